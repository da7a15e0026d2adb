/**
 * Embeds a product from its content alone, as the learner's item tower does for an item with no id row: the item
 * input x = mean of the content rows its hashed content keys have (title tokens and bigrams, description, category
 * path, brand, price bucket, attributes; keys with no row add nothing) + image . imgProj, then the typed-array item
 * tower gives [v, bias]. The content rows are the token table of the model the artifact was built from.
 */
import type { ProductContent } from '../core/events';
import { contentKeys } from '../features/catalog';
import { weightedRowSum } from '../model/kernels';
import { itemTowerForward, type ParamName } from '../model/forward';
import type { TowerConfig } from '../model/config';
import { VectorRows } from './vector-rows';

/** Item inputs and vectors of products from their content (see the file's header). */
export class ContentEmbedder {
  /** Content key -> row, built on first use (a serving process that never sees a new product never pays for it). */
  private rowOf: Map<number, number> | null = null;
  private scratch = new Float32Array(0);

  constructor(
    private readonly cfg: Pick<TowerConfig, 'dim' | 'hidden' | 'imageDim'>,
    /** Content keys (32-bit hashes stored as int32), one per row of `rows`. */
    private readonly keys: Int32Array,
    private readonly rows: VectorRows,
    private readonly param: (name: ParamName) => Float32Array,
  ) {}

  /** Content rows held. */
  get size(): number {
    return this.keys.length;
  }

  /** Item input x of a product from its content into out[o..o+dim). */
  input(c: ProductContent, out: Float32Array, o: number): void {
    const d = this.cfg.dim;
    if (!this.rowOf) {
      this.rowOf = new Map();
      for (let r = 0; r < this.keys.length; r++) this.rowOf.set(this.keys[r], r);
    }
    const found: number[] = [];
    for (const k of contentKeys(c)) {
      const r = this.rowOf.get(k | 0);
      if (r !== undefined) found.push(r);
    }
    const n = found.length;
    if (this.scratch.length < n * d) this.scratch = new Float32Array(n * d);
    const off = new Int32Array(n);
    const wt = new Float32Array(n);
    found.forEach((r, t) => {
      this.rows.read(r, this.scratch, t * d);
      off[t] = t * d;
      wt[t] = 1 / n;
    });
    // the learner's bag sum (same kernel, same weights), so an fp32 artifact gives the learner's input bit for bit
    weightedRowSum(this.scratch, off, wt, 0, n, d, out, o, null, 0);
    const img = c.imageEmbedding;
    if (this.cfg.imageDim > 0 && img && img.length > 0) {
      const P = this.param('imgProj');
      // the catalog keeps the first imageDim values as float32 (zero-padded)
      for (let a = 0; a < Math.min(this.cfg.imageDim, img.length); a++) {
        const x = Math.fround(img[a]);
        if (x === 0) continue;
        for (let j = 0; j < d; j++) out[o + j] += x * P[a * d + j];
      }
    }
  }

  /** [v, bias] of an item input x[xo..xo+dim) with the id bias `idBias` into out[o..o+dim+1). */
  vector(x: Float32Array, xo: number, idBias: number, out: Float32Array, o: number): void {
    itemTowerForward(this.cfg, this.param, x, xo, idBias, out, o);
  }
}
