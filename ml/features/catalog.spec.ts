import { Catalog, contentKeys } from './catalog';

describe('catalog', () => {
  it('keeps a deleted product inactive when it is clicked, until a product_upsert makes it live again', () => {
    const c = new Catalog();
    const i = c.upsert('sku-1', { title: 'Red wool scarf' });
    c.remove('sku-1');
    expect(c.active[i]).toBe(false);
    expect(c.ensure('sku-1')).toBe(i); // a click after the delete
    expect(c.active[i]).toBe(false);
    expect(c.upsert('sku-1', { title: 'Red wool scarf, again' })).toBe(i);
    expect(c.active[i]).toBe(true);
  });

  it('registers an item first seen in a click as active, with no content', () => {
    const c = new Catalog();
    const i = c.ensure('sku-9');
    expect(c.active[i]).toBe(true);
    expect(c.content[i]).toEqual([]);
  });

  it('hashes attributes whatever the order of their keys (a jsonb column reorders them)', () => {
    const a = contentKeys({ title: 'scarf', attributes: { size: 'M', colour: 'red', material: 'wool' } });
    const b = contentKeys({ title: 'scarf', attributes: { colour: 'red', material: 'wool', size: 'M' } });
    expect(b).toEqual(a);
    expect(contentKeys({ title: 'scarf', attributes: { colour: 'blue', material: 'wool', size: 'M' } })).not.toEqual(a);
  });

  it('round-trips its state: indices, content, images and active flags', () => {
    const c = new Catalog(3);
    c.upsert('a', { title: 'oak table', category: ['home', 'tables'], price: 120, imageEmbedding: [0.5, -1, 2] });
    c.upsert('b', { title: 'steel pan', brand: 'Acme' });
    c.ensure('c');
    c.remove('b');
    const back = Catalog.fromState(c.state());
    expect(back.ids).toEqual(c.ids);
    expect(back.idKeys).toEqual(c.idKeys);
    expect(back.content).toEqual(c.content);
    expect(back.images).toEqual(c.images);
    expect(back.active).toEqual([true, false, true]);
    expect(back.state()).toEqual(c.state());
    expect(back.upsert('d', { title: 'new' })).toBe(3);
  });
});
