/**
 * Binary bundle with a checksum: a JSON tree whose typed arrays are stored as aligned binary blocks.
 * Layout: "RSMLB1\n" | uint32 LE header length | header JSON {sha256, tree} | payload (the arrays).
 * The sha256 covers the tree JSON and the payload; load verifies it.
 */
import { createHash } from 'crypto';

type Typed = Float32Array | Float64Array | Int8Array | Int32Array | Uint8Array | Uint16Array;
const KINDS = { f32: Float32Array, f64: Float64Array, i8: Int8Array, i32: Int32Array, u8: Uint8Array, u16: Uint16Array } as const;
type Kind = keyof typeof KINDS;
const MAGIC = Buffer.from('RSMLB1\n', 'latin1');

function kindOf(a: Typed): Kind {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int8Array) return 'i8';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint16Array) return 'u16';
  return 'u8';
}

function isTyped(v: unknown): v is Typed {
  return v instanceof Float32Array || v instanceof Float64Array || v instanceof Int8Array || v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint16Array;
}

export class ChecksumError extends Error {}

export function encodeBundle(tree: unknown): Buffer {
  const blocks: Buffer[] = [];
  let offset = 0;
  const walk = (v: unknown): unknown => {
    if (isTyped(v)) {
      const pad = (8 - (offset % 8)) % 8;
      if (pad) {
        blocks.push(Buffer.alloc(pad));
        offset += pad;
      }
      const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      blocks.push(Buffer.from(b));
      const ref = { __typed: kindOf(v), offset, length: v.length };
      offset += v.byteLength;
      return ref;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  const treeJson = JSON.stringify(walk(tree));
  const payload = Buffer.concat(blocks);
  const sha256 = createHash('sha256').update(treeJson).update(payload).digest('hex');
  const header = Buffer.from(JSON.stringify({ sha256, tree: treeJson }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length, 0);
  return Buffer.concat([MAGIC, len, header, payload]);
}

export function bundleChecksum(buf: Buffer): string {
  const hl = buf.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + hl).toString('utf8')) as { sha256: string };
  return header.sha256;
}

export function decodeBundle<T>(buf: Buffer): T {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new ChecksumError('not an ml bundle');
  const hl = buf.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + hl).toString('utf8')) as { sha256: string; tree: string };
  const payload = buf.subarray(MAGIC.length + 4 + hl);
  const sha = createHash('sha256').update(header.tree).update(payload).digest('hex');
  if (sha !== header.sha256) throw new ChecksumError(`checksum mismatch: stored ${header.sha256}, computed ${sha}`);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const r = v as Record<string, unknown>;
      if (typeof r.__typed === 'string' && typeof r.offset === 'number' && typeof r.length === 'number') {
        const Ctor = KINDS[r.__typed as Kind];
        const bytes = r.length * Ctor.BYTES_PER_ELEMENT;
        const copy = new Uint8Array(bytes);
        copy.set(payload.subarray(r.offset, r.offset + bytes));
        return new Ctor(copy.buffer);
      }
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(r)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  return walk(JSON.parse(header.tree)) as T;
}
