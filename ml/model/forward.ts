/**
 * The towers' inference forward in typed arrays, with no tfjs: the one implementation used by serving, by the learner's
 * recommend / evaluate, and checked against the tfjs training forward (forward.spec.ts).
 */
import type { TowerConfig } from './config';
import { dot, gemmAccumulate } from './kernels';

export const PARAM_NAMES = ['posLogit', 'attn', 'imgProj', 'U1', 'ub1', 'U2', 'ub2', 'I1', 'ib1', 'I2', 'ib2', 'bw'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

/**
 * The user tower in typed arrays (shared by training-side scoring and the serving model).
 * H: L history item inputs (most recent first, row-major, width dim); c: summed context rows.
 */
export function userTowerForward(
  cfg: Pick<TowerConfig, 'dim' | 'hidden' | 'cross'>,
  param: (name: ParamName) => Float32Array,
  H: Float32Array,
  L: number,
  c: Float32Array,
): Float32Array {
  const d = cfg.dim;
  const h = cfg.hidden;
  const pos = param('posLogit');
  const attn = param('attn');
  const pooled = new Float32Array(d);
  if (L > 0) {
    const lg = new Float64Array(L);
    let mx = -Infinity;
    for (let k = 0; k < L; k++) {
      lg[k] = pos[k] + dot(H, k * d, attn, 0, d);
      if (lg[k] > mx) mx = lg[k];
    }
    let z = 0;
    for (let k = 0; k < L; k++) z += lg[k] = Math.exp(lg[k] - mx);
    for (let k = 0; k < L; k++) {
      const w = lg[k] / z;
      for (let j = 0; j < d; j++) pooled[j] += w * H[k * d + j];
    }
  }
  const zin = (cfg.cross ? 3 : 2) * d;
  const zv = new Float32Array(zin);
  zv.set(pooled, 0);
  zv.set(c, d);
  if (cfg.cross) for (let j = 0; j < d; j++) zv[2 * d + j] = pooled[j] * c[j];
  const U1 = param('U1');
  const ub1 = param('ub1');
  const U2 = param('U2');
  const ub2 = param('ub2');
  const a = new Float32Array(h);
  for (let k = 0; k < h; k++) a[k] = ub1[k];
  for (let i = 0; i < zin; i++) {
    const zi = zv[i];
    if (zi === 0) continue;
    for (let k = 0; k < h; k++) a[k] += zi * U1[i * h + k];
  }
  const out = new Float32Array(d + 1);
  for (let j = 0; j < d; j++) out[j] = pooled[j] + ub2[j];
  for (let k = 0; k < h; k++) {
    const ak = a[k];
    if (ak <= 0) continue;
    for (let j = 0; j < d; j++) out[j] += ak * U2[k * d + j];
  }
  out[d] = 1;
  return out;
}

/** The item tower in typed arrays for one item: writes [x + MLP(x), idBias + x . bw] to out[o..o+dim]. */
export function itemTowerForward(
  cfg: Pick<TowerConfig, 'dim' | 'hidden'>,
  param: (name: ParamName) => Float32Array,
  X: Float32Array,
  xo: number,
  idBias: number,
  out: Float32Array,
  o: number,
): void {
  itemTowerForwardBatch(cfg, param, X, xo, 1, [idBias], out, o);
}

/** Rows of the item tower run together by `itemTowerForwardBatch`: their hidden layer stays in cache. */
const ITEM_BLOCK_ROWS = 64;

/**
 * The item tower for n items at once, as blocked matrix products: X[xo..) holds the n item inputs (row-major, width
 * dim), idBias their id-bias values; writes [x + MLP(x), idBias + x . bw] per item to out[o..) (row-major, width
 * dim + 1). Sums are taken in float64 and rounded once per layer, so an item's vector does not depend on the batch
 * it is computed in.
 */
export function itemTowerForwardBatch(
  cfg: Pick<TowerConfig, 'dim' | 'hidden'>,
  param: (name: ParamName) => Float32Array,
  X: Float32Array,
  xo: number,
  n: number,
  idBias: ArrayLike<number>,
  out: Float32Array,
  o: number,
): void {
  const d = cfg.dim;
  const h = cfg.hidden;
  const w = d + 1;
  const I1 = param('I1');
  const ib1 = param('ib1');
  const I2 = param('I2');
  const ib2 = param('ib2');
  const bw = param('bw');
  const A = new Float32Array(Math.min(n, ITEM_BLOCK_ROWS) * h);
  for (let r0 = 0; r0 < n; r0 += ITEM_BLOCK_ROWS) {
    const rows = Math.min(ITEM_BLOCK_ROWS, n - r0);
    for (let r = 0; r < rows; r++) A.set(ib1, r * h);
    gemmAccumulate(X, xo + r0 * d, d, I1, 0, h, rows, d, h, A, 0, h);
    for (let i = 0; i < rows * h; i++) if (A[i] < 0) A[i] = 0;
    for (let r = 0; r < rows; r++) {
      const oo = o + (r0 + r) * w;
      const xr = xo + (r0 + r) * d;
      for (let j = 0; j < d; j++) out[oo + j] = X[xr + j] + ib2[j];
      out[oo + d] = idBias[r0 + r] + dot(X, xr, bw, 0, d);
    }
    gemmAccumulate(A, 0, h, I2, 0, d, rows, h, d, out, o + r0 * w, w);
  }
}
