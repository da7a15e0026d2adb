import { EventValidator, MAX_EVENT_BYTES, MAX_CONTEXT_BYTES } from '@recsys/contracts';

const TS = 1_700_000_000_000;
const click = (over: Record<string, unknown> = {}) => ({
  eventId: 'e-1', type: 'click', userId: 'u-42', itemId: 'sku-9', ts: TS, ...over,
});
const product = (over: Record<string, unknown> = {}) => ({
  eventId: 'p-1', type: 'product_upsert', itemId: 'sku-9', ts: TS, title: 'Red wool scarf', ...over,
});

describe('EventValidator', () => {
  const v = new EventValidator({ imageEmbeddingDim: 4 });

  const rejects = (value: unknown, code: string, fragment?: string) => {
    const r = v.validate(value);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      if (fragment) expect(r.error.message).toContain(fragment);
    }
  };

  it('accepts the contract example interaction and normalizes nothing but ts', () => {
    const r = v.parse(JSON.stringify(click({ requestId: 'r-7', position: 3, context: { device: 'mobile' } })));
    expect(r).toEqual({ ok: true, event: { ...click(), requestId: 'r-7', position: 3, context: { device: 'mobile' } } });
  });

  it('accepts every interaction type and both product types', () => {
    for (const type of ['impression', 'click', 'add_to_cart', 'purchase']) expect(v.validate(click({ type })).ok).toBe(true);
    expect(v.validate(product()).ok).toBe(true);
    expect(v.validate({ eventId: 'p-2', type: 'product_delete', itemId: 'x', ts: TS }).ok).toBe(true);
  });

  it('converts ISO-8601 timestamps to epoch milliseconds', () => {
    const r = v.validate(click({ ts: '2023-11-14T22:13:20.000Z' }));
    expect(r.ok && r.event.ts).toBe(TS);
  });

  it('refuses bytes that are not JSON', () => {
    expect(v.parse('{"eventId": ')).toMatchObject({ ok: false, error: { code: 'not_json' } });
    expect(v.parse(Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false, error: { code: 'not_json' } });
    expect(v.parse(null)).toMatchObject({ ok: false, error: { code: 'not_json' } });
    expect(v.parse('NaN')).toMatchObject({ ok: false, error: { code: 'not_json' } });
  });

  it('refuses JSON that is not an object', () => {
    for (const value of [null, 42, 'click', [click()], true]) rejects(value, 'not_object');
    expect(v.parse('[1,2]')).toMatchObject({ ok: false, error: { code: 'not_object' } });
  });

  it('refuses oversized messages before parsing them', () => {
    const big = JSON.stringify(product({ description: 'x'.repeat(MAX_EVENT_BYTES) }));
    expect(v.parse(big)).toMatchObject({ ok: false, error: { code: 'too_large' } });
  });

  it('refuses unknown or missing types', () => {
    rejects(click({ type: 'like' }), 'unknown_type', '"like"');
    rejects(click({ type: undefined }), 'unknown_type');
    rejects(click({ type: 7 }), 'unknown_type');
  });

  it('refuses wrong field types', () => {
    rejects(click({ userId: 42 }), 'invalid_field', 'userId');
    rejects(click({ itemId: null }), 'invalid_field', 'itemId');
    rejects(click({ position: 1.5 }), 'invalid_field', 'position');
    rejects(click({ position: -1 }), 'invalid_field', 'position');
    rejects(click({ context: 'mobile' }), 'invalid_field', 'context');
    rejects(click({ context: ['a'] }), 'invalid_field', 'context');
    rejects(product({ price: '19.9' }), 'invalid_field', 'price');
    rejects(product({ price: -1 }), 'invalid_field', 'price');
    rejects(product({ category: 3 }), 'invalid_field', 'category');
    rejects(product({ attributes: { color: 1 } }), 'invalid_field', 'attributes');
    rejects(product({ title: 'x'.repeat(1001) }), 'invalid_field', 'title');
  });

  it('refuses missing and empty ids, and ids over 128 characters', () => {
    rejects(click({ eventId: undefined }), 'invalid_field', 'eventId');
    rejects(click({ eventId: '' }), 'invalid_field', 'eventId');
    rejects(click({ userId: '' }), 'invalid_field', 'userId');
    rejects(click({ itemId: 'i'.repeat(129) }), 'invalid_field', 'itemId');
    expect(v.validate(click({ itemId: 'i'.repeat(128) })).ok).toBe(true);
    rejects(click({ requestId: '' }), 'invalid_field', 'requestId');
  });

  it('refuses NaN and Infinity wherever numbers go', () => {
    rejects(click({ ts: Number.NaN }), 'invalid_field', 'ts');
    rejects(click({ ts: Number.POSITIVE_INFINITY }), 'invalid_field', 'ts');
    rejects(product({ price: Number.NaN }), 'invalid_field', 'price');
    rejects(product({ imageEmbedding: [0, 1, Number.POSITIVE_INFINITY, 2] }), 'invalid_field', 'imageEmbedding');
    // 1e400 is valid JSON but parses to Infinity
    expect(v.parse(`{"eventId":"e","type":"click","userId":"u","itemId":"i","ts":1e400}`)).toMatchObject({ ok: false, error: { code: 'invalid_field' } });
  });

  it('refuses bad timestamps', () => {
    rejects(click({ ts: 'yesterday' }), 'invalid_field', 'ts');
    rejects(click({ ts: '2023-13-45T99:99:99Z' }), 'invalid_field', 'ts');
    rejects(click({ ts: 1_700_000_000 }), 'invalid_field', 'ts'); // seconds, not milliseconds
    rejects(click({ ts: -5 }), 'invalid_field', 'ts');
    rejects(click({ ts: true }), 'invalid_field', 'ts');
    rejects(click({ ts: undefined }), 'invalid_field', 'ts');
  });

  it('refuses a context over 2 KB serialized', () => {
    rejects(click({ context: { blob: 'x'.repeat(MAX_CONTEXT_BYTES) } }), 'invalid_field', 'context');
    expect(v.validate(click({ context: { blob: 'x'.repeat(MAX_CONTEXT_BYTES - 20) } })).ok).toBe(true);
  });

  it('refuses an imageEmbedding of the wrong length, and drops it when image features are off', () => {
    rejects(product({ imageEmbedding: [0.1, 0.2, 0.3] }), 'invalid_field', 'exactly 4');
    expect(v.validate(product({ imageEmbedding: [0.1, 0.2, 0.3, 0.4] })).ok).toBe(true);
    const off = new EventValidator({ imageEmbeddingDim: 0 }).validate(product({ imageEmbedding: [0.1] }));
    expect(off.ok && 'imageEmbedding' in off.event && off.event.imageEmbedding).toBeUndefined();
  });

  it('normalizes a category string to a one-element path and strips unknown fields', () => {
    const r = v.validate(product({ category: 'apparel', extra: 'ignored' }));
    expect(r.ok && r.event).toEqual({ ...product(), category: ['apparel'] });
  });

  it('refuses an event on the wrong topic', () => {
    expect(v.validate(product(), 'interaction')).toMatchObject({ ok: false, error: { code: 'wrong_kind' } });
    expect(v.validate(click(), 'product')).toMatchObject({ ok: false, error: { code: 'wrong_kind' } });
  });
});
