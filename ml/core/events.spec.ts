import * as fs from 'fs';
import * as path from 'path';
import { fromStoredInteraction, fromStoredProduct, parseJsonl, type MlEvent, type ProductEvent } from './events';

/** The contract events shared with libs/contracts' spec and the PostgreSQL round-trip test. */
const FIXTURE: Record<string, unknown>[] = JSON.parse(fs.readFileSync(path.join(__dirname, '../../test/fixtures/contract-events.json'), 'utf8'));

function byId(events: readonly MlEvent[]): Map<string, MlEvent> {
  return new Map(events.map((e) => [e.eventId, e]));
}

describe('event parsing', () => {
  it('parses interactions and products, sorts by ts keeping file order for ties, and counts bad lines', () => {
    const text = [
      '{"eventId":"e-2","type":"click","userId":"u-1","itemId":"sku-1","ts":"2026-01-01T00:00:01Z","context":{"device":"mobile"}}',
      'not json',
      '{"eventId":"p-1","type":"product_upsert","itemId":"sku-1","ts":1767225600000,"title":"Red scarf","category":["apparel","scarves"],"price":19.9}',
      '{"eventId":"e-3","type":"purchase","userId":"u-1","itemId":"sku-2","ts":1767225601000}',
      '{"eventId":"e-4","type":"click","itemId":"sku-2","ts":1}',
      '',
    ].join('\n');
    const { events, skipped } = parseJsonl(text);
    expect(skipped).toBe(2);
    expect(events.map((e) => e.eventId)).toEqual(['p-1', 'e-2', 'e-3']);
    const p = events[0];
    expect(p.kind === 'product' && p.category).toEqual(['apparel', 'scarves']);
    const c = events[1];
    expect(c.kind === 'interaction' && c.context?.device).toBe('mobile');
  });

  it('normalises the shared contract fixtures as the contract does: a category string is one category, an array a path', () => {
    const { events, skipped } = parseJsonl(FIXTURE.map((e) => JSON.stringify(e)).join('\n'));
    expect(skipped).toBe(0);
    const ev = byId(events);
    const category = (id: string) => (ev.get(id) as ProductEvent).category;
    expect(category('p-1')).toEqual(['apparel > scarves']);
    expect(category('p-2')).toEqual(['Books/Fiction']);
    expect(category('p-3')).toEqual(['apparel', 'scarves']);
    expect(category('p-4')).toEqual(['Home | Kitchen']);
    expect(category('p-5')).toEqual(['Electronics', 'Audio > Headphones', 'Over/ear']);
  });

  it('reads ISO-8601 and epoch timestamps as whole epoch milliseconds', () => {
    const ev = byId(parseJsonl(FIXTURE.map((e) => JSON.stringify(e)).join('\n')).events);
    expect(ev.get('p-2')?.ts).toBe(Date.parse('2023-11-14T22:13:21.000Z'));
    expect(ev.get('p-3')?.ts).toBe(Date.UTC(2023, 10, 14, 22, 13, 22));
    expect(ev.get('p-7')?.ts).toBe(1700000004500);
    expect(ev.get('e-3')?.ts).toBe(1700000012000);
    expect(ev.get('e-4')?.ts).toBe(Date.UTC(2023, 10, 14, 22, 13, 33, 123));
    expect(ev.get('e-6')?.ts).toBe(Date.UTC(2023, 10, 15));
  });

  it('keeps image values as float32, drops a delete\'s content and nested context values', () => {
    const line = (o: Record<string, unknown>) => JSON.stringify({ eventId: 'x', itemId: 'i', ts: 1700000000000, ...o });
    const [up] = parseJsonl(line({ type: 'product_upsert', imageEmbedding: [0.1, -0, 1e39] })).events;
    expect(up.kind === 'product' && up.imageEmbedding).toBeUndefined();
    const [img] = parseJsonl(line({ type: 'product_upsert', imageEmbedding: [0.1, -0, 3] })).events;
    expect(img.kind === 'product' && img.imageEmbedding).toEqual([Math.fround(0.1), 0, 3]);
    expect(Object.is((img as ProductEvent).imageEmbedding?.[1], 0)).toBe(true);
    const [del] = parseJsonl(line({ type: 'product_delete', title: 'Old title', category: ['a'] })).events;
    expect(del).toEqual({ kind: 'product', eventId: 'x', type: 'product_delete', itemId: 'i', ts: 1700000000000 });
    const [click] = parseJsonl(line({ type: 'click', userId: 'u', context: { device: 'mobile', page: { n: 2 }, tags: ['x'], n: 1 } })).events;
    expect(click.kind === 'interaction' && click.context).toEqual({ device: 'mobile', n: 1 });
  });
});

describe('stored rows to ml events', () => {
  it('gives a node-postgres interaction row (bigint ts as a string, jsonb context) the event its JSON parses to', () => {
    const [parsed] = parseJsonl(JSON.stringify(FIXTURE.find((e) => e.eventId === 'e-2'))).events;
    const row = {
      event_id: 'e-2',
      seq: '17',
      type: 'impression',
      user_id: 'u-1',
      item_id: 'sku-2',
      ts: String(Date.parse('2023-11-14T22:13:31.000Z')),
      request_id: null,
      position: 0,
      context: { ab: 'b', page: { n: 2 }, tags: ['x'], flag: true, score: 1.5, device: 'desktop' },
      model_version: null,
      abusive: false,
    };
    expect(fromStoredInteraction(row)).toEqual(parsed);
    expect(fromStoredInteraction({ ...row, ts: new Date(Number(row.ts)) })).toEqual(parsed);
    expect(fromStoredInteraction({ ...row, ts: BigInt(row.ts) })).toEqual(parsed);
  });

  it('skips an interaction flagged abusive and a row of no interaction type', () => {
    const row = { event_id: 'e', type: 'click', user_id: 'u', item_id: 'i', ts: '1700000000000' };
    expect(fromStoredInteraction(row)?.type).toBe('click');
    expect(fromStoredInteraction({ ...row, abusive: true })).toBeUndefined();
    expect(fromStoredInteraction({ ...row, type: 'product_upsert' })).toBeUndefined();
  });

  it('gives a product row its upsert, and a tombstone a bare delete whatever content it kept', () => {
    const row = {
      item_id: 'sku-1',
      event_id: 'p-1',
      ts: '1700000000000',
      deleted: false,
      title: 'Red wool scarf',
      description: null,
      category: ['apparel > scarves'],
      brand: 'Acme',
      price: 19.9,
      image_embedding: [0.1, -0.3, 0.12345679, 1e-8],
      attributes: { size: 'M', colour: 'red' },
    };
    expect(fromStoredProduct(row)).toEqual({
      kind: 'product',
      eventId: 'p-1',
      type: 'product_upsert',
      itemId: 'sku-1',
      ts: 1700000000000,
      title: 'Red wool scarf',
      category: ['apparel > scarves'],
      brand: 'Acme',
      price: 19.9,
      imageEmbedding: [0.1, -0.3, 0.123456789, 1e-8].map(Math.fround),
      attributes: { size: 'M', colour: 'red' },
    });
    expect(fromStoredProduct({ ...row, image_embedding: Float32Array.from(row.image_embedding) })?.imageEmbedding).toEqual(
      [0.1, -0.3, 0.123456789, 1e-8].map(Math.fround),
    );
    expect(fromStoredProduct({ ...row, event_id: 'p-9', deleted: true })).toEqual({
      kind: 'product',
      eventId: 'p-9',
      type: 'product_delete',
      itemId: 'sku-1',
      ts: 1700000000000,
    });
  });
});
