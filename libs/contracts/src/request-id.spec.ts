import { MAX_ID_LENGTH, REQUEST_ID_MAX_VERSION_BYTES, looksLikeSignedRequestId, signRequestId, verifyRequestId } from '@recsys/contracts';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210');
const RANDOM = Buffer.from('0123456789ab');

/** The id with the character at `i` replaced by another base64url character. */
function flipped(id: string, i: number): string {
  const c = id[i] === 'A' ? 'B' : 'A';
  return id.slice(0, i) + c + id.slice(i + 1);
}

describe('signed request ids', () => {
  it('round-trips the model version, and two ids of one version differ', () => {
    const a = signRequestId('v7', KEY);
    const b = signRequestId('v7', KEY);
    expect(a).not.toBe(b);
    expect(verifyRequestId(a, KEY)).toBe('v7');
    expect(verifyRequestId(b, KEY)).toBe('v7');
    expect(verifyRequestId(signRequestId('2026-01-01T00-00-00Z-ä/ü', KEY), KEY)).toBe('2026-01-01T00-00-00Z-ä/ü');
  });

  it('is deterministic for a given random part, in the documented format', () => {
    const id = signRequestId('v7', KEY, RANDOM);
    expect(id).toBe(signRequestId('v7', KEY, RANDOM));
    const [tag, version, random, sig] = id.split('.');
    expect(tag).toBe('r1');
    expect(Buffer.from(version, 'base64url').toString()).toBe('v7');
    expect(Buffer.from(random, 'base64url')).toEqual(RANDOM);
    expect(Buffer.from(sig, 'base64url')).toHaveLength(12);
  });

  it('refuses an id with any single character changed', () => {
    const id = signRequestId('model-2026-01-01', KEY, RANDOM);
    for (let i = 0; i < id.length; i++) {
      if (id[i] === '.') continue;
      expect(verifyRequestId(flipped(id, i), KEY)).toBeNull();
    }
  });

  it('refuses a forged version in a valid-looking id', () => {
    const [tag, , random, sig] = signRequestId('v7', KEY, RANDOM).split('.');
    const forged = [tag, Buffer.from('v8').toString('base64url'), random, sig].join('.');
    expect(looksLikeSignedRequestId(forged)).toBe(true);
    expect(verifyRequestId(forged, KEY)).toBeNull();
  });

  it('refuses an id signed with another key', () => {
    const id = signRequestId('v7', OTHER_KEY);
    expect(looksLikeSignedRequestId(id)).toBe(true);
    expect(verifyRequestId(id, KEY)).toBeNull();
  });

  it('refuses what is not in the format, without throwing', () => {
    const id = signRequestId('v7', KEY, RANDOM);
    for (const bad of ['', 'r-7', 'r1', 'r1...', `${id}.x`, `r2${id.slice(2)}`, id.replace(/\.[^.]+$/, ''), `${id}=`, id.replace('r1.', 'r1.+'), '\u0000']) {
      expect(verifyRequestId(bad, KEY)).toBeNull();
      expect(looksLikeSignedRequestId(bad)).toBe(false);
    }
  });

  it('fits the contract id length for the longest version, and refuses a longer or empty one', () => {
    const longest = signRequestId('v'.repeat(REQUEST_ID_MAX_VERSION_BYTES), KEY);
    expect(longest.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(verifyRequestId(longest, KEY)).toBe('v'.repeat(REQUEST_ID_MAX_VERSION_BYTES));
    expect(() => signRequestId('v'.repeat(REQUEST_ID_MAX_VERSION_BYTES + 1), KEY)).toThrow(RangeError);
    expect(() => signRequestId('', KEY)).toThrow(RangeError);
    expect(() => signRequestId('v7', KEY, Buffer.alloc(4))).toThrow(RangeError);
  });
});
