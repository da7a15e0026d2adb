import { parseJsonl } from './events';

describe('event parsing', () => {
  it('parses interactions and products, sorts by ts keeping file order for ties, and counts bad lines', () => {
    const text = [
      '{"eventId":"e-2","type":"click","userId":"u-1","itemId":"sku-1","ts":"2026-01-01T00:00:01Z","context":{"device":"mobile"}}',
      'not json',
      '{"eventId":"p-1","type":"product_upsert","itemId":"sku-1","ts":1767225600000,"title":"Red scarf","category":"apparel > scarves","price":19.9}',
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
});
