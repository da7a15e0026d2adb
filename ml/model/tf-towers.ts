/**
 * The towers' forward in TensorFlow.js: what training differentiates (the gradients come from it), and the bulk item
 * tower. The inference forward in typed arrays is forward.ts; forward.spec.ts ties the two.
 */
import * as tf from '@tensorflow/tfjs';
import type { TowerConfig } from './config';
import type { DenseParam } from './dense-params';
import { PARAM_NAMES, type ParamName } from './forward';
import { attnLogits, mm, pool } from './ops';

/** The dense weights as fresh tfjs tensors (the caller disposes them). */
export function denseTensors(dense: ReadonlyMap<ParamName, DenseParam>): Record<ParamName, tf.Tensor> {
  const p = {} as Record<ParamName, tf.Tensor>;
  for (const name of PARAM_NAMES) {
    const q = dense.get(name) as DenseParam;
    p[name] = tf.tensor(q.value, q.shape);
  }
  return p;
}

/**
 * Both towers on gathered inputs: `hist` B x L x dim history item inputs (sparse part), `maskBias` B x L attention-logit
 * bias (0, or -1e9 for padding), `ctx` B x dim summed context rows, `cand` M x dim candidate inputs (sparse part), and
 * the image vectors of both when the model has them. Returns the user vectors u (B x dim), the item vectors v
 * (M x dim) and the content part of each candidate's bias (x . bw).
 */
export function towersTf(
  cfg: Pick<TowerConfig, 'dim' | 'imageDim' | 'cross'>,
  p: Record<ParamName, tf.Tensor>,
  hist: tf.Tensor3D,
  maskBias: tf.Tensor2D,
  ctx: tf.Tensor2D,
  cand: tf.Tensor2D,
  histImg: tf.Tensor3D | null,
  candImg: tf.Tensor2D | null,
): { u: tf.Tensor2D; v: tf.Tensor2D; cb: tf.Tensor1D } {
  const d = cfg.dim;
  const [B, L] = maskBias.shape;
  let h: tf.Tensor3D = hist;
  let x: tf.Tensor2D = cand;
  if (histImg && candImg) {
    const P = p.imgProj as tf.Tensor2D;
    h = tf.add(hist, tf.reshape(mm(tf.reshape(histImg, [B * L, cfg.imageDim]), P), [B, L, d]));
    x = tf.add(cand, mm(candImg, P));
  }
  // attention logits and pooling as (batched) matMuls with hand-written gradients (see attnLogits, pool)
  const attnLogit = attnLogits(h, tf.reshape(p.attn, [d, 1]) as tf.Tensor2D);
  // padding positions carry a -1e9 logit bias (data, not differentiated)
  const logits = tf.add(tf.add(tf.reshape(p.posLogit, [1, L]), attnLogit), maskBias);
  const att = tf.softmax(logits);
  const pooled = tf.reshape(pool(tf.reshape(att, [B, 1, L]) as tf.Tensor3D, h), [B, d]) as tf.Tensor2D;
  const parts: tf.Tensor2D[] = [pooled, ctx];
  if (cfg.cross) parts.push(tf.mul(pooled, ctx));
  const z = tf.concat(parts, 1);
  const a1 = tf.relu(tf.add(mm(z, p.U1 as tf.Tensor2D), p.ub1)) as tf.Tensor2D;
  const u = tf.add(pooled, tf.add(mm(a1, p.U2 as tf.Tensor2D), p.ub2)) as tf.Tensor2D;
  const ai = tf.relu(tf.add(mm(x, p.I1 as tf.Tensor2D), p.ib1)) as tf.Tensor2D;
  const v = tf.add(x, tf.add(mm(ai, p.I2 as tf.Tensor2D), p.ib2)) as tf.Tensor2D;
  const cb = tf.reshape(mm(x, tf.reshape(p.bw, [d, 1]) as tf.Tensor2D), [-1]) as tf.Tensor1D;
  return { u, v, cb };
}

/**
 * The sparse item inputs of n items as index lists into the id and content tables (see itemTowerTfFromBags): item t's
 * id row is `idRows[k]` for the k with `idSeg[k] = t` (none without a row), its content rows the `tokRows[k]` with
 * `tokSeg[k] = t`; both lists ascend by item.
 */
export interface ItemBags {
  n: number;
  idRows: Int32Array;
  idSeg: Int32Array;
  tokRows: Int32Array;
  tokSeg: Int32Array;
  /** n x imageDim image vectors (zeros without an image), or null when the model has none. */
  images: Float32Array | null;
  idBias: Float32Array;
}

/**
 * The item tower over the tables themselves: x = (id row) + mean(content rows) [+ image . P] by the backend's sparse
 * segment sum and mean over the uploaded tables (`itemTable`, `tokenTable`: row-major, dim wide), then as itemTowerTf.
 * The same math as the typed-array item inputs (the sums in float32 rather than float64).
 */
export function itemTowerTfFromBags(
  cfg: Pick<TowerConfig, 'dim' | 'imageDim'>,
  dense: ReadonlyMap<ParamName, DenseParam>,
  itemTable: Float32Array,
  tokenTable: Float32Array,
  b: ItemBags,
): Float32Array {
  const d = cfg.dim;
  const n = b.n;
  // each list ends with a sentinel in segment n (row 0 of a table of at least one row), so both outputs have n + 1
  // rows whatever items lack rows at the end; the sentinel's row is cut off
  const withSentinel = (a: Int32Array, last: number): Int32Array => {
    const out = new Int32Array(a.length + 1);
    out.set(a);
    out[a.length] = last;
    return out;
  };
  const table = (data: Float32Array) => (data.length >= d ? tf.tensor2d(data, [data.length / d, d]) : tf.zeros([1, d]));
  const res = tf.tidy(() => {
    const p = denseTensors(dense);
    const ids = tf.sparse.sparseSegmentSum(table(itemTable), withSentinel(b.idRows, 0), withSentinel(b.idSeg, n));
    const toks = tf.sparse.sparseSegmentMean(table(tokenTable), withSentinel(b.tokRows, 0), withSentinel(b.tokSeg, n));
    let x = tf.slice(tf.add(ids, toks), [0, 0], [n, d]) as tf.Tensor2D;
    if (b.images) x = tf.add(x, tf.matMul(tf.tensor2d(b.images, [n, cfg.imageDim]), p.imgProj as tf.Tensor2D));
    return itemTowerOn(p, x, b.idBias);
  });
  const out = res.dataSync() as Float32Array;
  res.dispose();
  return out;
}

/** Whether the current backend runs the sparse segment sum and mean itemTowerTfFromBags needs (wasm and cpu do). */
export function backendHasSegmentOps(): boolean {
  const b = tf.getBackend();
  return !!tf.getKernel('SparseSegmentSum', b) && !!tf.getKernel('SparseSegmentMean', b);
}

/**
 * The item tower for n full item inputs X (n x dim, image part included) with their id biases, as tfjs matMuls:
 * [x + MLP(x), idBias + x . bw] per item, row-major (width dim + 1). For backends without the segment ops.
 */
export function itemTowerTf(cfg: Pick<TowerConfig, 'dim'>, dense: ReadonlyMap<ParamName, DenseParam>, X: Float32Array, n: number, idBias: Float32Array): Float32Array {
  const d = cfg.dim;
  const res = tf.tidy(() => {
    const p = denseTensors(dense);
    return itemTowerOn(p, tf.tensor2d(X, [n, d]), idBias);
  });
  const out = res.dataSync() as Float32Array;
  res.dispose();
  return out;
}

/** [x + MLP(x), idBias + x . bw] for item inputs x (n x dim), inside the caller's tidy. */
function itemTowerOn(p: Record<ParamName, tf.Tensor>, x: tf.Tensor2D, idBias: Float32Array): tf.Tensor2D {
  const [n, d] = x.shape;
  const a = tf.relu(tf.add(tf.matMul(x, p.I1 as tf.Tensor2D), p.ib1)) as tf.Tensor2D;
  const v = tf.add(x, tf.add(tf.matMul(a, p.I2 as tf.Tensor2D), p.ib2)) as tf.Tensor2D;
  const cb = tf.add(tf.matMul(x, tf.reshape(p.bw, [d, 1]) as tf.Tensor2D), tf.tensor2d(idBias, [n, 1])) as tf.Tensor2D;
  return tf.concat([v, cb], 1);
}
