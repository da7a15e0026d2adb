/**
 * Rows of vectors as the serving artifact stores them: fp32, or int8 codes with a float32 scale per row. Rows can be
 * appended and replaced (products that arrive after the build), and every score is computed with the same arithmetic
 * as the whole-catalog scan (core/vectors dotAll / dotAllInt8), so a scan of a few candidates and a scan of every row
 * give bit-identical scores.
 */
import { dotRowF32, dotRowI8, quantizeRowInt8 } from '../core/vectors';

/** Stored precision of the artifact's vectors and content rows. */
export type VectorPrecision = 'int8' | 'fp32';

/** The serialised form of a row set (fp32 rows, or int8 codes and per-row scales). */
export interface StoredRows {
  dim: number;
  count: number;
  fp32?: Float32Array;
  codes?: Int8Array;
  scales?: Float32Array;
}

/** A growable set of rows at one precision (see the file's header). */
export class VectorRows {
  private fp32: Float32Array | null;
  private codes: Int8Array | null;
  private scales: Float32Array | null;
  /** Rows held. */
  count: number;

  private constructor(
    readonly dim: number,
    count: number,
    fp32: Float32Array | null,
    codes: Int8Array | null,
    scales: Float32Array | null,
  ) {
    this.count = count;
    this.fp32 = fp32;
    this.codes = codes;
    this.scales = scales;
  }

  /** Row-major fp32 rows `src` (width `dim`) stored at `precision`. */
  static encode(src: Float32Array, dim: number, precision: VectorPrecision): StoredRows {
    const count = Math.floor(src.length / dim);
    if (precision === 'fp32') return { dim, count, fp32: src.slice(0, count * dim) };
    const codes = new Int8Array(count * dim);
    const scales = new Float32Array(count);
    for (let i = 0; i < count; i++) scales[i] = quantizeRowInt8(src, i * dim, dim, codes, i * dim);
    return { dim, count, codes, scales };
  }

  /** Wraps stored rows (no copy). */
  static from(s: StoredRows): VectorRows {
    if (s.fp32) return new VectorRows(s.dim, s.count, s.fp32, null, null);
    if (!s.codes || !s.scales) throw new TypeError('stored rows hold neither fp32 values nor int8 codes and scales');
    return new VectorRows(s.dim, s.count, null, s.codes, s.scales);
  }

  /** The rows' stored precision. */
  get precision(): VectorPrecision {
    return this.fp32 ? 'fp32' : 'int8';
  }

  /** The rows in their stored form, trimmed to `count`. */
  stored(): StoredRows {
    const n = this.count * this.dim;
    if (this.fp32) return { dim: this.dim, count: this.count, fp32: this.fp32.subarray(0, n) };
    return { dim: this.dim, count: this.count, codes: (this.codes as Int8Array).subarray(0, n), scales: (this.scales as Float32Array).subarray(0, this.count) };
  }

  /** Bytes the rows take in memory (their stored form). */
  get bytes(): number {
    return this.fp32 ? this.count * this.dim * 4 : this.count * (this.dim + 4);
  }

  /** [u] . row i, rounded to float32 as the whole-catalog scan stores it. */
  dot(u: Float32Array, i: number): number {
    const d = this.dim;
    const base = i * d;
    if (this.fp32) return Math.fround(dotRowF32(u, this.fp32, base, d));
    return Math.fround(dotRowI8(u, this.codes as Int8Array, base, d) * (this.scales as Float32Array)[i]);
  }

  /** u . every row into out[0..count) (the same numbers `dot` gives one at a time). */
  dotAll(u: Float32Array, out: Float32Array): void {
    const d = this.dim;
    const n = this.count;
    if (this.fp32) {
      const v = this.fp32;
      for (let i = 0, base = 0; i < n; i++, base += d) out[i] = dotRowF32(u, v, base, d);
      return;
    }
    const c = this.codes as Int8Array;
    const sc = this.scales as Float32Array;
    for (let i = 0, base = 0; i < n; i++, base += d) {
      out[i] = dotRowI8(u, c, base, d) * sc[i];
    }
  }

  /** Row i as fp32 (dequantized when int8) into out[o..o+dim). */
  read(i: number, out: Float32Array, o: number): void {
    const d = this.dim;
    if (this.fp32) {
      out.set(this.fp32.subarray(i * d, i * d + d), o);
      return;
    }
    const c = this.codes as Int8Array;
    const s = (this.scales as Float32Array)[i];
    for (let j = 0; j < d; j++) out[o + j] = c[i * d + j] * s;
  }

  /** All rows as fp32 (a copy; dequantized when int8). */
  toFloat32(): Float32Array {
    const out = new Float32Array(this.count * this.dim);
    for (let i = 0; i < this.count; i++) this.read(i, out, i * this.dim);
    return out;
  }

  /** Sets row i (i <= count; i === count appends) from src[so..so+dim), quantized when int8. */
  set(i: number, src: Float32Array, so: number): void {
    if (i > this.count) throw new RangeError(`row ${i} is past the end (${this.count} rows)`);
    if (i === this.count) this.grow(i + 1);
    const d = this.dim;
    if (this.fp32) this.fp32.set(src.subarray(so, so + d), i * d);
    else (this.scales as Float32Array)[i] = quantizeRowInt8(src, so, d, this.codes as Int8Array, i * d);
    if (i === this.count) this.count++;
  }

  private grow(rows: number): void {
    const cap = this.fp32 ? this.fp32.length / this.dim : (this.scales as Float32Array).length;
    if (rows <= cap) return;
    const n = Math.max(rows, Math.ceil(cap * 1.5), 16);
    if (this.fp32) {
      const b = new Float32Array(n * this.dim);
      b.set(this.fp32.subarray(0, this.count * this.dim));
      this.fp32 = b;
      return;
    }
    const c = new Int8Array(n * this.dim);
    c.set((this.codes as Int8Array).subarray(0, this.count * this.dim));
    const s = new Float32Array(n);
    s.set((this.scales as Float32Array).subarray(0, this.count));
    this.codes = c;
    this.scales = s;
  }
}
