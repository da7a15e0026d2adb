/**
 * Grouped item pairs (a wide half's serving state: source items, each with its targets and weights) packed for the
 * artifact, about half the bytes of the Int32 / Float32 arrays:
 * - groups in ascending source order, each group's pairs in ascending target order (the order of the pairs within a
 *   group does not change a score: an item's sum runs over the user's recent items, in their order);
 * - source items and targets as LEB128 varints of the differences to the previous one (a group's first target from 0),
 *   pair counts as varints;
 * - weights as half-precision codes when every weight is a half value (a table rounded to half when built), else as
 *   float32.
 * Unpacking gives back the same pairs and weights, in that order.
 */
import { fromHalfBits, HALF_MAX, roundToHalf, toHalfBits } from '../core/half';
import type { TransitionState } from '../model/transitions';

/** A packed serving state (see the file's header). */
export interface PackedPairs {
  packed: 1;
  window: number;
  /** Groups held, and pairs in all. */
  groups: number;
  pairs: number;
  /** Per group: its source (difference to the previous group's) and its pair count; then all targets (differences). */
  varints: Uint8Array;
  /** Half codes of the weights, or (when some weight is not a half value) the float32 weights. */
  weightHalf?: Uint16Array;
  weight?: Float32Array;
}

/** Whether a stored wide half is packed (an artifact of schema 3) or the plain serving state (schema 2). */
export function isPacked(s: PackedPairs | TransitionState): s is PackedPairs {
  return (s as PackedPairs).packed === 1;
}

class VarintWriter {
  private buf = new Uint8Array(1024);
  length = 0;
  write(v: number): void {
    if (v < 0 || !Number.isInteger(v)) throw new RangeError(`varint of ${v}`);
    if (this.length + 8 > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    while (v >= 0x80) {
      this.buf[this.length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** A grouped serving state (fromItems / fromCounts, popularity folded in) packed; its weights as float32 values. */
export function packPairs(s: TransitionState): PackedPairs {
  const fromItems = s.fromItems;
  const fromCounts = s.fromCounts;
  if (!fromItems || !fromCounts) throw new TypeError('packPairs needs a grouped serving state (fromItems / fromCounts)');
  if (s.popularity && s.popularity > 0) throw new TypeError('packPairs needs the popularity discount folded into the weights');
  const starts = new Int32Array(fromItems.length);
  for (let g = 1; g < fromItems.length; g++) starts[g] = starts[g - 1] + fromCounts[g - 1];
  const groups = Array.from(fromItems.keys()).sort((a, b) => fromItems[a] - fromItems[b]);
  const pairs = s.to.length;
  const w = new VarintWriter();
  let prev = 0;
  for (const g of groups) {
    w.write(fromItems[g] - prev);
    w.write(fromCounts[g]);
    prev = fromItems[g];
  }
  const weight = new Float32Array(pairs);
  let at = 0;
  for (const g of groups) {
    const idx = Array.from({ length: fromCounts[g] }, (_, i) => starts[g] + i).sort((a, b) => s.to[a] - s.to[b]);
    let last = 0;
    for (const e of idx) {
      w.write(s.to[e] - last);
      last = s.to[e];
      weight[at++] = s.weight[e];
    }
  }
  const half = new Uint16Array(pairs);
  let allHalf = true;
  for (let i = 0; i < pairs && allHalf; i++) {
    half[i] = toHalfBits(weight[i]);
    allHalf = fromHalfBits(half[i]) === weight[i] || (Number.isNaN(weight[i]) && Number.isNaN(fromHalfBits(half[i])));
  }
  return { packed: 1, window: s.window, groups: groups.length, pairs, varints: w.bytes(), ...(allHalf ? { weightHalf: half } : { weight }) };
}

/** The grouped serving state of a packed one: groups by ascending source, each group's targets ascending. */
export function unpackPairs(p: PackedPairs): TransitionState {
  const v = p.varints;
  let at = 0;
  const read = (): number => {
    let x = 0;
    let scale = 1;
    for (;;) {
      if (at >= v.length) throw new RangeError('packed pairs end inside a varint');
      const b = v[at++];
      x += (b & 0x7f) * scale;
      if (b < 0x80) return x;
      scale *= 128;
    }
  };
  const fromItems = new Int32Array(p.groups);
  const fromCounts = new Int32Array(p.groups);
  let prev = 0;
  for (let g = 0; g < p.groups; g++) {
    prev += read();
    fromItems[g] = prev;
    fromCounts[g] = read();
  }
  const to = new Int32Array(p.pairs);
  let e = 0;
  for (let g = 0; g < p.groups; g++) {
    let last = 0;
    for (let i = 0; i < fromCounts[g]; i++) {
      last += read();
      to[e++] = last;
    }
  }
  if (e !== p.pairs || at !== v.length) throw new RangeError(`packed pairs hold ${e} pairs in ${at} of ${v.length} bytes, expected ${p.pairs}`);
  const weight = p.weightHalf ? Float32Array.from(p.weightHalf, fromHalfBits) : (p.weight as Float32Array).slice();
  if (weight.length !== p.pairs) throw new RangeError(`packed pairs hold ${weight.length} weights for ${p.pairs} pairs`);
  return { window: p.window, popularity: 0, from: new Int32Array(0), fromItems, fromCounts, to, weight };
}

/** Bytes a packed state takes in an artifact (its arrays). */
export function packedBytes(p: PackedPairs): number {
  return p.varints.byteLength + (p.weightHalf?.byteLength ?? 0) + (p.weight?.byteLength ?? 0);
}

/**
 * A serving state with its weights rounded to half precision (packed at 2 bytes each), or the state itself when some
 * weight lies beyond the half range. The transition memory's weights are counts (with the popularity discount folded
 * in): half precision moves each by at most 1/2048 of itself.
 */
export function halfWeights(s: TransitionState): TransitionState {
  for (const w of s.weight) if (!(Math.abs(w) <= HALF_MAX)) return s;
  return { ...s, weight: Float32Array.from(s.weight, roundToHalf) };
}
