import { ProductCatalog } from './product-catalog';

describe('the catalog behind the category filter', () => {
  it('puts an item in every category of its path, moves it when its path changes, and drops it on delete', () => {
    const c = new ProductCatalog();
    c.set('scarf', ['apparel', 'scarves']);
    c.set('shirt', ['apparel', 'shirts']);
    expect([...c.itemsIn('apparel')].sort()).toEqual(['scarf', 'shirt']);
    expect([...c.itemsIn('scarves')]).toEqual(['scarf']);
    c.set('scarf', ['home', 'blankets']);
    expect([...c.itemsIn('apparel')]).toEqual(['shirt']);
    expect(c.itemsIn('scarves').size).toBe(0);
    expect(c.has('blankets', 'scarf')).toBe(true);
    c.set('shirt', ['apparel', 'shirts'], true);
    expect(c.itemsIn('apparel').size).toBe(0);
    expect(c.size).toBe(1);
    expect(c.itemsIn('no-such').size).toBe(0);
  });

  it('counts a path that repeats a category once, and an item without category in none', () => {
    const c = new ProductCatalog();
    c.set('x', ['a', 'a']);
    c.set('y', null);
    c.set('z', []);
    expect([...c.itemsIn('a')]).toEqual(['x']);
    expect(c.size).toBe(1);
  });

  it('lists the live items upserted last, newest first, with or without a category, through many re-upserts', () => {
    const c = new ProductCatalog();
    c.set('a', ['x']);
    c.set('b', null);
    c.set('c', ['x']);
    expect(c.newest(2)).toEqual(['c', 'b']);
    c.set('a', ['y']);
    expect(c.newest(10)).toEqual(['a', 'c', 'b']);
    c.set('c', ['x'], true);
    expect(c.newest(10)).toEqual(['a', 'b']);
    expect(c.liveCount).toBe(2);
    // the log is rewritten as it grows: the order survives
    for (let i = 0; i < 5000; i++) c.set(i % 2 ? 'a' : 'b', null);
    c.set('d', ['z']);
    expect(c.newest(10)).toEqual(['d', 'a', 'b']);
  });
});
