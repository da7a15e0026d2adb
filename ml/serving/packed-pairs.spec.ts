import { roundToHalf } from '../core/half';
import type { TransitionState } from '../model/transitions';
import { halfWeights, packedBytes, packPairs, unpackPairs } from './packed-pairs';
import { SuccessorTable } from './successors';

/** A grouped serving state: `groups` sources in no order, each with up to 100 targets in no order among n items. */
function grouped(seed: number, groups: number, n: number): TransitionState {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const sources = new Set<number>();
  while (sources.size < groups) sources.add(Math.floor(rnd() * n));
  const fromItems: number[] = [];
  const fromCounts: number[] = [];
  const to: number[] = [];
  const weight: number[] = [];
  for (const p of sources) {
    const targets = new Set<number>();
    const c = 1 + Math.floor(rnd() * 100);
    while (targets.size < c) targets.add(Math.floor(rnd() * n));
    fromItems.push(p);
    fromCounts.push(c);
    for (const x of targets) {
      to.push(x);
      weight.push(rnd() * 3);
    }
  }
  return { window: 10, popularity: 0, from: new Int32Array(0), fromItems: Int32Array.from(fromItems), fromCounts: Int32Array.from(fromCounts), to: Int32Array.from(to), weight: Float32Array.from(weight) };
}

/** Every (source, target) -> weight of a grouped state. */
function triples(t: TransitionState): Map<string, number> {
  const out = new Map<string, number>();
  let e = 0;
  (t.fromItems as Int32Array).forEach((p, g) => {
    for (let i = 0; i < (t.fromCounts as Int32Array)[g]; i++, e++) out.set(`${p}>${t.to[e]}`, t.weight[e]);
  });
  return out;
}

describe('packed pairs', () => {
  it('unpacks the same pairs and float32 weights, sources and targets ascending, in about half the bytes', () => {
    const state = grouped(5, 800, 100_000);
    const packed = packPairs(state);
    expect(packed.weight).toBeDefined();
    expect(packed.weightHalf).toBeUndefined();
    const back = unpackPairs(packed);
    expect(triples(back)).toEqual(triples(state));
    const from = Array.from(back.fromItems as Int32Array);
    expect(from).toEqual(from.slice().sort((a, b) => a - b));
    let e = 0;
    for (const c of back.fromCounts as Int32Array) {
      const group = Array.from(back.to.subarray(e, e + c));
      expect(group).toEqual(group.slice().sort((a, b) => a - b));
      e += c;
    }
    const plain = state.to.byteLength + state.weight.byteLength + (state.fromItems as Int32Array).byteLength + (state.fromCounts as Int32Array).byteLength;
    expect(packedBytes(packed)).toBeLessThan(0.8 * plain);
  });

  it('stores half-precision weights in 2 bytes each, exactly, and scores every user as the state it came from', () => {
    const state = halfWeights(grouped(6, 300, 5000));
    expect(Array.from(state.weight)).toEqual(Array.from(grouped(6, 300, 5000).weight, roundToHalf));
    const packed = packPairs(state);
    expect(packed.weightHalf?.length).toBe(state.to.length);
    expect(packed.weight).toBeUndefined();
    const back = unpackPairs(packed);
    expect(triples(back)).toEqual(triples(state));
    const a = SuccessorTable.fromState(state);
    const b = SuccessorTable.fromState(back);
    const sources = Array.from(state.fromItems as Int32Array);
    for (let u = 0; u < 50; u++) {
      const hist = Array.from({ length: 12 }, (_, k) => sources[(u * 13 + k * 7) % sources.length]);
      const sa = new Map<number, number>();
      const sb = new Map<number, number>();
      a.forEach(hist, (x, m) => sa.set(x, m));
      b.forEach(hist, (x, m) => sb.set(x, m));
      expect(sb).toEqual(sa);
    }
    // a weight beyond the half range keeps the table at float32
    const big = { ...state, weight: Float32Array.from(state.weight, (w, i) => (i === 3 ? 1e6 : w)) };
    expect(halfWeights(big)).toBe(big);
    expect(packPairs(big).weight?.[0]).toBeDefined();
  });

  it('refuses packed bytes that end early or hold more than they say', () => {
    const packed = packPairs(grouped(7, 20, 1000));
    expect(() => unpackPairs({ ...packed, varints: packed.varints.subarray(0, packed.varints.length - 1) })).toThrow(RangeError);
    expect(() => unpackPairs({ ...packed, pairs: packed.pairs - 1 })).toThrow(RangeError);
  });
});
