/** Small seeded PRNG (mulberry32) so training, sampling and the synthetic shop are reproducible. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /**
   * The generator's whole state (a uint32): setting it back replays the same sequence from there, so a checkpoint that
   * keeps it resumes the draws exactly.
   */
  get state(): number {
    return this.s;
  }
  set state(v: number) {
    this.s = v >>> 0;
  }
  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** `m` distinct indices of 0 .. n-1 (all of them when m >= n), drawn by a partial shuffle, in ascending order. */
  distinct(n: number, m: number): Int32Array {
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const take = Math.min(m, n);
    for (let i = 0; i < take; i++) {
      const j = i + this.int(n - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx.subarray(0, take).sort();
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** 32-bit FNV-1a hash of a string, with an optional namespace seed. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
