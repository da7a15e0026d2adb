/** The contract accepts only what storage holds: no U+0000 in any string, an int `position`, float32 image values. */
import { EventValidator, MAX_FLOAT32, MAX_POSITION } from '@recsys/contracts';

const TS = 1_700_000_000_000;
const click = (over: Record<string, unknown> = {}) => ({ eventId: 'e-1', type: 'click', userId: 'u-1', itemId: 'i-1', ts: TS, ...over });
const product = (over: Record<string, unknown> = {}) => ({ eventId: 'p-1', type: 'product_upsert', itemId: 'i-1', ts: TS, ...over });
const v = new EventValidator({ imageEmbeddingDim: 2 });

function refusal(value: unknown): string {
  const r = v.validate(value);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(value)}`);
  expect(r.error.code).toBe('invalid_field');
  return r.error.message;
}

describe('values the tables refuse are refused at the edge', () => {
  it('refuses U+0000 in every id and in nested context keys and values', () => {
    for (const field of ['eventId', 'userId', 'itemId', 'requestId']) expect(refusal(click({ [field]: 'poison\u0000x' }))).toContain('U+0000');
    expect(refusal(click({ context: { device: 'mo\u0000bile' } }))).toContain('U+0000');
    expect(refusal(click({ context: { nested: { 'k\u0000': 1 } } }))).toContain('U+0000');
    expect(refusal(click({ context: { list: ['a', 'b\u0000'] } }))).toContain('U+0000');
  });

  it('refuses U+0000 in every product string', () => {
    for (const over of [{ title: 'a\u0000' }, { description: '\u0000' }, { brand: 'x\u0000' }, { category: 'a\u0000' }, { category: ['a', '\u0000b'] }, { attributes: { 'c\u0000': 'red' } }, { attributes: { colour: 're\u0000d' } }]) {
      expect(refusal(product(over))).toContain('U+0000');
    }
  });

  it('accepts position 2^31 - 1 and refuses 2^31', () => {
    expect(v.validate(click({ position: MAX_POSITION })).ok).toBe(true);
    expect(refusal(click({ position: MAX_POSITION + 1 }))).toContain('position');
  });

  it('accepts float32-range image values and refuses larger ones', () => {
    expect(v.validate(product({ imageEmbedding: [MAX_FLOAT32, -MAX_FLOAT32] })).ok).toBe(true);
    expect(refusal(product({ imageEmbedding: [1e39, 0] }))).toContain('float32');
    expect(refusal(product({ imageEmbedding: [0, -1e300] }))).toContain('float32');
    expect(refusal(product({ imageEmbedding: [1e-46, 0] }))).toContain('float32');
    expect(v.validate(product({ imageEmbedding: [1.5e-45, -0] })).ok).toBe(true);
  });

  it('still accepts ordinary text, including other control characters and non-Latin scripts', () => {
    expect(v.validate(product({ title: 'Écharpe\tlaine — 毛围巾', category: ['apparel', 'scarves'], attributes: { colour: 'red' } })).ok).toBe(true);
    expect(v.validate(click({ context: { device: 'mobile', page: { n: 2 } } })).ok).toBe(true);
  });
});

it('a reason never carries the U+0000 it reports', () => {
  const r = v.validate(product({ attributes: { 'c\u0000': 'red' } }));
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.message).not.toContain('\u0000');
});

it('a not-JSON reason that quotes raw NUL bytes is storable', () => {
  const r = v.parse(Buffer.from([0x00, 0x7b, 0x00]));
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.message).not.toContain('\u0000');
});
