import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Format tag of a signed request id: `r1.<version>.<random>.<signature>`, each part base64url. */
const REQUEST_ID_TAG = 'r1';
/** Random bytes per request id (so two answers of one version never share an id). */
export const REQUEST_ID_RANDOM_BYTES = 12;
/** Bytes of HMAC-SHA256 kept as the signature (96 bits: forging one is a 2^-96 guess). */
const SIGNATURE_BYTES = 12;
/** Longest model version (UTF-8 bytes) a request id carries; its id is then at most 123 characters, within MAX_ID_LENGTH. */
export const REQUEST_ID_MAX_VERSION_BYTES = 64;

const B64URL = /^[A-Za-z0-9_-]+$/;
const RANDOM_CHARS = Math.ceil((REQUEST_ID_RANDOM_BYTES * 4) / 3);
const SIGNATURE_CHARS = Math.ceil((SIGNATURE_BYTES * 4) / 3);
const MAX_VERSION_CHARS = Math.ceil((REQUEST_ID_MAX_VERSION_BYTES * 4) / 3);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function signature(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest().subarray(0, SIGNATURE_BYTES);
}

/**
 * A request id that carries the model version that answered the request, signed with `key`:
 * `r1.<base64url(version)>.<base64url(random)>.<base64url(first 12 bytes of HMAC-SHA256(key, 'r1.' + versionPart + '.' + randomPart))>`.
 * An impression or click that echoes it is attributed to that version without any lookup, and a client cannot make
 * one up for another version. `random` defaults to 12 fresh random bytes (and must be 12 bytes). Throws a RangeError
 * for an empty version or one over {@link REQUEST_ID_MAX_VERSION_BYTES} bytes.
 */
export function signRequestId(modelVersion: string, key: Buffer, random: Buffer = randomBytes(REQUEST_ID_RANDOM_BYTES)): string {
  const bytes = Buffer.from(modelVersion, 'utf8');
  if (bytes.length === 0 || bytes.length > REQUEST_ID_MAX_VERSION_BYTES) {
    throw new RangeError(`a request id carries a model version of 1..${REQUEST_ID_MAX_VERSION_BYTES} bytes, not ${bytes.length}`);
  }
  if (random.length !== REQUEST_ID_RANDOM_BYTES) throw new RangeError(`a request id takes ${REQUEST_ID_RANDOM_BYTES} random bytes, not ${random.length}`);
  const signed = `${REQUEST_ID_TAG}.${bytes.toString('base64url')}.${random.toString('base64url')}`;
  return `${signed}.${signature(key, signed).toString('base64url')}`;
}

/** The four parts of an id in the signed format, or null (the shape only: the signature is not checked). */
function partsOf(requestId: string): [string, string, string, string] | null {
  const parts = requestId.split('.');
  if (parts.length !== 4 || parts[0] !== REQUEST_ID_TAG) return null;
  const [, version, random, sig] = parts;
  if (version.length === 0 || version.length > MAX_VERSION_CHARS || random.length !== RANDOM_CHARS || sig.length !== SIGNATURE_CHARS) return null;
  if (!B64URL.test(version) || !B64URL.test(random) || !B64URL.test(sig)) return null;
  return [parts[0], version, random, sig];
}

/**
 * Whether an id has the signed format, whatever its signature: tells an id that was never signed (a client's own, or
 * an old one) from a forged or foreign-keyed one when {@link verifyRequestId} refuses it.
 */
export function looksLikeSignedRequestId(requestId: string): boolean {
  return partsOf(requestId) !== null;
}

/**
 * The model version a request id was signed for with `key`, or null when the id is not in the signed format or its
 * signature does not match (forged, altered, or signed with another key). The signature is compared in constant time.
 */
export function verifyRequestId(requestId: string, key: Buffer): string | null {
  const parts = partsOf(requestId);
  if (!parts) return null;
  const [tag, versionPart, randomPart, sigPart] = parts;
  const given = Buffer.from(sigPart, 'base64url');
  // a part whose trailing bits are not canonical decodes like another string: only the encoder's own form is accepted
  if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== sigPart) return null;
  if (!timingSafeEqual(given, signature(key, `${tag}.${versionPart}.${randomPart}`))) return null;
  const bytes = Buffer.from(versionPart, 'base64url');
  if (bytes.toString('base64url') !== versionPart) return null;
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}
