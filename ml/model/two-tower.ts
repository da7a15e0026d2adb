/**
 * Two-tower model: sparse embedding tables (own typed-array store) + dense towers. This file is the facade: the
 * tables and their rows' item inputs, the batch's gather and scatter around the training forward, the step
 * transaction and the state. The pieces it runs live beside it:
 * - forward.ts: the towers' inference forward in typed arrays (userVector, itemVectorsJs, serving);
 * - tf-towers.ts: the towers' forward in tfjs (training, and bulk item vectors), ops.ts its custom-gradient ops;
 * - softmax-head.ts: the sampled-softmax (+ distillation) loss and its gradients in typed arrays;
 * - dense-params.ts: the dense weights with their Adam optimiser, snapshot and rollback;
 * - kernels.ts: the typed-array loops (content bags, blocked matrix products).
 *
 * Item tower:  x = idEmb(i) + mean(contentBag(i)) [+ image . P];  v = x + MLP_i(x);  bias = idBias(i) + x . bw
 * User tower:  h_k = item input of the k-th most recent positive; a = softmax_k(pos_k + h_k . attn);
 *              pooled = sum_k a_k h_k;  c = sum of context rows (hour, device[, user]);
 *              u = pooled + MLP_u([pooled, c (, pooled * c)])
 * Score = [u, 1] . [v, bias], so item vectors are precomputed and retrieval is a dot-product search.
 *
 * Training (batchGradients): gather the batch's rows into the towers' inputs; run the towers in tfjs and the loss
 * head (in-batch + popularity-sampled negatives, log-Q corrected, optional distillation from a teacher's scores over
 * the same candidates) forward and backward once (tf.valueAndGrads); scatter the returned gradients of the gathered
 * rows to the id and content rows (the bag transposed per content row), the context and the bias rows. trainBatch
 * applies them to the touched sparse rows only and Adam to the dense weights. gradients.spec.ts checks the whole chain
 * against finite differences.
 */
import * as tf from '@tensorflow/tfjs';
import { RowGrads, SparseEmbeddingStore, type SparseStoreState } from '../sparse/store';
import type { Catalog } from '../features/catalog';
import type { TrainExample } from '../features/example';
import type { TowerConfig } from './config';
import { DenseParams, type DenseParam, type DenseState } from './dense-params';
import { PARAM_NAMES, itemTowerForwardBatch, userTowerForward, type ParamName } from './forward';
import { weightedRowSum } from './kernels';
import { readInPlace } from './ops';
import { softmaxHead } from './softmax-head';
import { backendHasSegmentOps, denseTensors, itemTowerTf, itemTowerTfFromBags, towersTf, type ItemBags } from './tf-towers';

/** Scores of a (teacher) model over the candidates of a student batch. */
export interface Distiller {
  /** B x M scores, row-major, of each example against each candidate. */
  scoresFor(examples: readonly TrainExample[], candidates: Int32Array): Float32Array;
}

export type { DenseParam } from './dense-params';

export interface TwoTowerState {
  config: TowerConfig;
  dense: DenseState;
  denseSteps: number;
  stores: Record<'item' | 'token' | 'ctx' | 'bias', SparseStoreState>;
  counts: Float64Array;
  totalCount: number;
}

export interface Gathered {
  histT: tf.Tensor3D;
  /** Attention-logit bias per history position: 0, or -1e9 for padding. */
  maskT: tf.Tensor2D;
  ctxT: tf.Tensor2D;
  candT: tf.Tensor2D;
  histImgT: tf.Tensor3D | null;
  candImgT: tf.Tensor2D | null;
}

/** A batch gathered by the gather step: the towers' inputs, the unique items' slots and each candidate's constants. */
interface GatheredBatch extends Gathered {
  /** The batch's targets, then the sampled negatives. */
  cand: Int32Array;
  /** Catalog index of each unique item the batch reads (its slot is its position). */
  uniq: number[];
  /** Slot of each history position (B x historyLen; -1: padding) and of each candidate. */
  histSlot: Int32Array;
  candSlot: Int32Array;
  idBias: Float64Array;
  logq: Float64Array;
  /** The teacher's B x M scores, or null without distillation. */
  teacher: Float32Array | null;
  alpha: number;
}

/** What the head step returns: the summed loss and the gradients of the towers' inputs and weights. */
interface HeadGradients {
  loss: number;
  dense: Map<ParamName, Float32Array>;
  /** Per example, its context sum's gradient (B x dim). */
  gCtx: Float32Array;
  /** Per unique item slot, its item input's gradient (U x dim). */
  gX: Float32Array;
  /** Per candidate, its bias's gradient. */
  gB: Float32Array;
}

export interface BatchResult {
  loss: number;
  finite: boolean;
}

export type StoreName = 'item' | 'token' | 'ctx' | 'bias';

export interface BatchGradients extends BatchResult {
  dense: Map<ParamName, Float32Array>;
  rows: Record<StoreName, RowGrads>;
}

/** `itemVectors` runs the item tower in tfjs for sets of this many items or more (512). */
export const TFJS_ITEM_VECTORS_FROM = 512;

export class TwoTowerModel {
  readonly cfg: TowerConfig;
  /** The dense weights of both towers with their optimiser and rollback snapshot. */
  readonly params: DenseParams;
  item: SparseEmbeddingStore;
  token: SparseEmbeddingStore;
  ctx: SparseEmbeddingStore;
  bias: SparseEmbeddingStore;
  /** Positive counts per catalog index (log-Q correction and the negative sampler). */
  counts = new Float64Array(1024);
  totalCount = 0;

  constructor(
    cfg: TowerConfig,
    readonly catalog: Catalog,
  ) {
    this.cfg = cfg;
    const d = cfg.dim;
    const mk = (capacity: number, minCount: number, dim: number, seed: number, initScale = 0.1) =>
      new SparseEmbeddingStore({
        dim,
        capacity,
        minCount,
        optimizer: cfg.sparseOptimizer ?? 'adagrad',
        learningRate: cfg.sparseLr,
        initScale,
        seed,
      });
    this.item = mk(cfg.itemCapacity, cfg.itemMinCount, d, cfg.seed + 1);
    this.token = mk(cfg.tokenCapacity, cfg.tokenMinCount, d, cfg.seed + 2);
    this.ctx = mk(cfg.contextCapacity, 1, d, cfg.seed + 3, 0.01);
    this.bias = mk(cfg.itemCapacity, cfg.itemMinCount, 1, cfg.seed + 4, 0);
    this.params = new DenseParams(cfg);
  }

  /** Width of user and item vectors: dim + 1 (the bias). */
  get vectorDim(): number {
    return this.cfg.dim + 1;
  }

  /** The dense weights by name (live). */
  get dense(): Map<ParamName, DenseParam> {
    return this.params.map;
  }

  /** Adam steps the dense weights have taken. */
  get denseSteps(): number {
    return this.params.steps;
  }

  param(name: ParamName): Float32Array {
    return this.params.value(name);
  }

  // ---------------------------------------------------------------- features

  private ensureCounts(n: number): void {
    if (n <= this.counts.length) return;
    const c = new Float64Array(Math.max(n, this.counts.length * 2));
    c.set(this.counts);
    this.counts = c;
  }

  /** A positive on an item: counts it and creates its id rows once it passes the frequency filter. */
  observePositive(itemIdx: number): void {
    this.ensureCounts(itemIdx + 1);
    this.counts[itemIdx]++;
    this.totalCount++;
    const key = this.catalog.idKeys[itemIdx];
    this.item.observe(key);
    this.bias.observe(key);
  }

  /** A product's content: counts its tokens so shared tokens get rows. */
  observeContent(itemIdx: number): void {
    this.cachedTokRows[itemIdx] = undefined;
    this.contentVersion++;
    for (const k of this.catalog.content[itemIdx]) this.token.observe(k);
  }

  observeContext(keys: readonly number[]): void {
    for (const k of keys) this.ctx.observe(k);
  }

  // per-item cache of (id row, token rows), refreshed lazily when a store's key -> row layout changed
  private cachedIdRow = new Int32Array(0);
  private cachedTokRows: (Int32Array | undefined)[] = [];
  private cachedItemVer = new Float64Array(0);
  private cachedTokVer = new Float64Array(0);

  private refreshRows(i: number): void {
    if (i >= this.cachedIdRow.length) {
      const n = Math.max(i + 1, this.cachedIdRow.length * 2, 1024);
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (k: number) => T, fill: number): T => {
        const b = make(n).fill(fill) as T;
        b.set(a);
        return b;
      };
      this.cachedIdRow = grow(this.cachedIdRow, (k) => new Int32Array(k), -1);
      this.cachedItemVer = grow(this.cachedItemVer, (k) => new Float64Array(k), -1);
      this.cachedTokVer = grow(this.cachedTokVer, (k) => new Float64Array(k), -1);
    }
    if (this.cachedItemVer[i] !== this.item.layoutVersion) {
      this.cachedIdRow[i] = this.item.peek(this.catalog.idKeys[i]);
      this.cachedItemVer[i] = this.item.layoutVersion;
    }
    if (this.cachedTokVer[i] !== this.token.layoutVersion || this.cachedTokRows[i] === undefined) {
      const rows: number[] = [];
      for (const k of this.catalog.content[i]) {
        const r = this.token.peek(k);
        if (r >= 0) rows.push(r);
      }
      this.cachedTokRows[i] = Int32Array.from(rows);
      this.cachedTokVer[i] = this.token.layoutVersion;
    }
  }

  /** Sparse part of the item input (id row + mean of content rows) into out[off..off+dim). */
  sparseInput(itemIdx: number, out: Float32Array, off: number): void {
    const d = this.cfg.dim;
    this.refreshRows(itemIdx);
    const idr = this.cachedIdRow[itemIdx];
    const rows = this.cachedTokRows[itemIdx] as Int32Array;
    const n = rows.length;
    if (this.bagOff.length < n) {
      this.bagOff = new Int32Array(2 * n);
      this.bagWt = new Float32Array(2 * n);
    }
    for (let t = 0; t < n; t++) {
      this.bagOff[t] = rows[t] * d;
      this.bagWt[t] = 1 / n;
    }
    weightedRowSum(this.token.data, this.bagOff, this.bagWt, 0, n, d, out, off, idr >= 0 ? this.item.data : null, idr * d);
  }
  private bagOff = new Int32Array(64);
  private bagWt = new Float32Array(64);

  /** Full item input x = sparse part + image . P. */
  itemInput(itemIdx: number, out: Float32Array, off: number): void {
    this.sparseInput(itemIdx, out, off);
    const img = this.cfg.imageDim > 0 ? this.catalog.images[itemIdx] : null;
    if (img) {
      const d = this.cfg.dim;
      const P = this.param('imgProj');
      for (let a = 0; a < img.length; a++) {
        const x = img[a];
        if (x === 0) continue;
        for (let j = 0; j < d; j++) out[off + j] += x * P[a * d + j];
      }
    }
  }

  // ---------------------------------------------------------------- inference forward

  /** The full item inputs (n x dim) and id-bias values of the given catalog indices (all when omitted). */
  private itemInputs(items?: ArrayLike<number>): { n: number; X: Float32Array; idBias: Float32Array } {
    const n = items ? items.length : this.catalog.size;
    const d = this.cfg.dim;
    const X = new Float32Array(n * d);
    const idBias = new Float32Array(n);
    for (let t = 0; t < n; t++) {
      const idx = items ? items[t] : t;
      this.itemInput(idx, X, t * d);
      const br = this.bias.row(this.catalog.idKeys[idx]);
      idBias[t] = br >= 0 ? this.bias.data[br] : 0;
    }
    return { n, X, idBias };
  }

  /**
   * Item vectors [v, bias] for the given catalog indices (all when omitted), row-major. Sets of
   * `TFJS_ITEM_VECTORS_FROM` (512) items or more run in tfjs: the inputs pooled from the uploaded id and content
   * tables by the backend's sparse segment sums (no typed-array pooling loop; pooled in typed arrays on a backend
   * without those kernels, as tfjs-node's) and the tower as matMuls
   * (2.4-3.4x faster than the blocked typed-array loops of itemVectorsJs, measured at 10k and 100k items); smaller
   * ones in typed arrays. The same math: forward.spec.ts ties the two.
   */
  itemVectors(items?: ArrayLike<number>): Float32Array {
    if ((items ? items.length : this.catalog.size) < TFJS_ITEM_VECTORS_FROM) return this.itemVectorsJs(items);
    if (!backendHasSegmentOps()) {
      // TensorFlow's native backend in tfjs-node has no sparse segment kernels: the inputs pooled in typed arrays
      const { n, X, idBias } = this.itemInputs(items);
      return itemTowerTf(this.cfg, this.params.map, X, n, idBias);
    }
    const d = this.cfg.dim;
    return itemTowerTfFromBags(this.cfg, this.params.map, this.item.data.subarray(0, this.item.rowSpan * d), this.token.data.subarray(0, this.token.rowSpan * d), this.itemBags(items));
  }

  /**
   * The whole catalog's row lists and each item's bias row, kept between calls: the content lists while the content
   * and the content rows stay as they were (`contentKey`), the id list and the bias rows re-read when a row was
   * created or evicted in their table (a step changes the weights at every call, the content rows rarely, the id rows
   * whenever an item passes the frequency filter).
   */
  private catalogBags: { contentKey: string; idVersion: number; biasVersion: number; bags: ItemBags; biasRows: Int32Array } | null = null;
  /** Counts content changes (observeContent): part of the catalog bags' key. */
  private contentVersion = 0;

  /** The sparse inputs of the given catalog indices (all when omitted) as row lists for the tfjs item tower. */
  private itemBags(items?: ArrayLike<number>): ItemBags {
    if (items) return this.buildItemBags(items).bags;
    const n = this.catalog.size;
    const contentKey = `${n}/${this.contentVersion}/${this.token.layoutVersion}`;
    let c = this.catalogBags;
    if (!c || c.contentKey !== contentKey) {
      c = this.catalogBags = { contentKey, idVersion: this.item.layoutVersion, biasVersion: this.bias.layoutVersion, ...this.buildItemBags() };
    }
    const { bags, biasRows } = c;
    const keys = this.catalog.idKeys;
    if (c.idVersion !== this.item.layoutVersion) {
      let count = 0;
      for (let t = 0; t < n; t++) {
        this.refreshRows(t);
        if (this.cachedIdRow[t] >= 0) count++;
      }
      if (bags.idRows.length !== count) {
        bags.idRows = new Int32Array(count);
        bags.idSeg = new Int32Array(count);
      }
      for (let t = 0, a = 0; t < n; t++) {
        const idr = this.cachedIdRow[t];
        if (idr < 0) continue;
        bags.idRows[a] = idr;
        bags.idSeg[a++] = t;
      }
      c.idVersion = this.item.layoutVersion;
    }
    if (c.biasVersion !== this.bias.layoutVersion) {
      for (let t = 0; t < n; t++) biasRows[t] = this.bias.row(keys[t]);
      c.biasVersion = this.bias.layoutVersion;
    }
    // the weights change at every step: the bias values and images are read afresh
    const data = this.bias.data;
    for (let t = 0; t < n; t++) {
      const br = biasRows[t];
      bags.idBias[t] = br >= 0 ? data[br] : 0;
    }
    if (bags.images) {
      const D = this.cfg.imageDim;
      bags.images.fill(0);
      for (let t = 0; t < n; t++) {
        const img = this.catalog.images[t];
        if (img) bags.images.set(img.subarray(0, D), t * D);
      }
    }
    return bags;
  }

  private buildItemBags(items?: ArrayLike<number>): { bags: ItemBags; biasRows: Int32Array } {
    const n = items ? items.length : this.catalog.size;
    let idCount = 0;
    let tokCount = 0;
    for (let t = 0; t < n; t++) {
      const idx = items ? items[t] : t;
      this.refreshRows(idx);
      if (this.cachedIdRow[idx] >= 0) idCount++;
      tokCount += (this.cachedTokRows[idx] as Int32Array).length;
    }
    const b: ItemBags = {
      n,
      idRows: new Int32Array(idCount),
      idSeg: new Int32Array(idCount),
      tokRows: new Int32Array(tokCount),
      tokSeg: new Int32Array(tokCount),
      images: this.cfg.imageDim > 0 ? new Float32Array(n * this.cfg.imageDim) : null,
      idBias: new Float32Array(n),
    };
    const biasRows = new Int32Array(n);
    let a = 0;
    let c = 0;
    for (let t = 0; t < n; t++) {
      const idx = items ? items[t] : t;
      const idr = this.cachedIdRow[idx];
      if (idr >= 0) {
        b.idRows[a] = idr;
        b.idSeg[a++] = t;
      }
      const rows = this.cachedTokRows[idx] as Int32Array;
      b.tokRows.set(rows, c);
      b.tokSeg.fill(t, c, c + rows.length);
      c += rows.length;
      const img = b.images ? this.catalog.images[idx] : null;
      if (img && b.images) b.images.set(img.subarray(0, this.cfg.imageDim), t * this.cfg.imageDim);
      const br = this.bias.row(this.catalog.idKeys[idx]);
      biasRows[t] = br;
      b.idBias[t] = br >= 0 ? this.bias.data[br] : 0;
    }
    return { bags: b, biasRows };
  }

  /** Item vectors in typed arrays (the reference implementation of the item tower; forward.spec.ts ties the two). */
  itemVectorsJs(items?: ArrayLike<number>): Float32Array {
    const { n, X, idBias } = this.itemInputs(items);
    const out = new Float32Array(n * (this.cfg.dim + 1));
    itemTowerForwardBatch(this.cfg, (name) => this.param(name), X, 0, n, idBias, out, 0);
    return out;
  }

  /** Id-bias row value per catalog item (0 without a row). */
  idBiases(): Float32Array {
    const out = new Float32Array(this.catalog.size);
    for (let i = 0; i < out.length; i++) {
      const r = this.bias.peek(this.catalog.idKeys[i]);
      out[i] = r >= 0 ? this.bias.data[r] : 0;
    }
    return out;
  }

  /** User vector [u, 1] from recent positive items (most recent first) and context keys. */
  userVector(hist: ArrayLike<number>, ctxKeys: readonly number[]): Float32Array {
    const d = this.cfg.dim;
    const L = Math.min(this.cfg.historyLen, hist.length);
    const H = new Float32Array(Math.max(L, 1) * d);
    for (let k = 0; k < L; k++) this.itemInput(hist[k], H, k * d);
    const c = new Float32Array(d);
    for (const key of ctxKeys) this.ctx.addInto(this.ctx.row(key), 1, c, 0);
    return userTowerForward(this.cfg, (n) => this.param(n), H, L, c);
  }

  // ---------------------------------------------------------------- training

  /** log q of an item as an in-batch candidate (chunk of size n) or as one of `negs` sampled negatives. */
  logQ(itemIdx: number, inBatchChunk: number, sampleProb: number): number {
    if (inBatchChunk > 0) return Math.log(Math.max(1e-9, (inBatchChunk * (this.counts[itemIdx] || 1)) / Math.max(1, this.totalCount)));
    return Math.log(Math.max(1e-9, sampleProb));
  }

  private readonly scratchBufs = new Map<string, Float32Array>();
  private slotOfItem = new Int32Array(0);
  /** Row-gradient buffers of the four stores, reused by every batch. */
  private rowGrads: Record<StoreName, RowGrads> | null = null;

  /** A zeroed per-model work buffer of length n (reused across batches: tfjs copies tensor data on creation). */
  private scratch(name: string, n: number): Float32Array {
    let b = this.scratchBufs.get(name);
    if (!b || b.length < n) this.scratchBufs.set(name, (b = new Float32Array(Math.max(n, b ? b.length * 2 : 0))));
    const v = b.subarray(0, n);
    v.fill(0);
    return v;
  }

  /**
   * Gathers the rows of a batch into the towers' input tensors. Each unique item's sparse input is computed once into a
   * flat buffer; `histSlot` / `candSlot` map the history positions and candidates to those slots (-1: padding).
   */
  private gather(batch: readonly TrainExample[], cand: Int32Array): Gathered & { uniq: number[]; histSlot: Int32Array; candSlot: Int32Array } {
    const { dim: d, historyLen: L, imageDim: imgDim } = this.cfg;
    const B = batch.length;
    const M = cand.length;
    // catalog index -> slot through a dense index (cleared again below), not a hash map
    if (this.slotOfItem.length < this.catalog.size) this.slotOfItem = new Int32Array(Math.max(this.catalog.size, 2 * this.slotOfItem.length)).fill(-1);
    const slotOf = this.slotOfItem;
    const uniq: number[] = [];
    const slot = (idx: number): number => {
      let s = slotOf[idx];
      if (s < 0) {
        s = uniq.length;
        slotOf[idx] = s;
        uniq.push(idx);
      }
      return s;
    };
    const histSlot = new Int32Array(B * L).fill(-1);
    const candSlot = new Int32Array(M);
    for (let b = 0; b < B; b++) {
      const ex = batch[b];
      const n = Math.min(L, ex.hist.length);
      for (let k = 0; k < n; k++) histSlot[b * L + k] = slot(ex.hist[k]);
    }
    for (let c = 0; c < M; c++) candSlot[c] = slot(cand[c]);
    for (const idx of uniq) slotOf[idx] = -1;
    const X = this.scratch('X', uniq.length * d);
    for (let s = 0; s < uniq.length; s++) this.sparseInput(uniq[s], X, s * d);
    const histBuf = this.scratch('hist', B * L * d);
    const maskBuf = this.scratch('mask', B * L).fill(-1e9);
    const ctxBuf = this.scratch('ctx', B * d);
    const candBuf = this.scratch('cand', M * d);
    const histImgBuf = imgDim > 0 ? new Float32Array(B * L * imgDim) : null;
    const candImgBuf = imgDim > 0 ? new Float32Array(M * imgDim) : null;
    for (let p = 0; p < B * L; p++) {
      const s = histSlot[p];
      if (s < 0) continue;
      maskBuf[p] = 0;
      for (let j = 0, o = p * d, q = s * d; j < d; j++) histBuf[o + j] = X[q + j];
      const img = histImgBuf ? this.catalog.images[uniq[s]] : null;
      if (img && histImgBuf) histImgBuf.set(img, p * imgDim);
    }
    for (let b = 0; b < B; b++) for (const key of batch[b].ctxKeys) this.ctx.addInto(this.ctx.row(key), 1, ctxBuf, b * d);
    for (let c = 0; c < M; c++) {
      const s = candSlot[c];
      for (let j = 0, o = c * d, q = s * d; j < d; j++) candBuf[o + j] = X[q + j];
      const img = candImgBuf ? this.catalog.images[cand[c]] : null;
      if (img && candImgBuf) candImgBuf.set(img, c * imgDim);
    }
    return {
      histT: tf.tensor3d(histBuf, [B, L, d]),
      maskT: tf.tensor2d(maskBuf, [B, L]),
      ctxT: tf.tensor2d(ctxBuf, [B, d]),
      candT: tf.tensor2d(candBuf, [M, d]),
      histImgT: histImgBuf ? tf.tensor3d(histImgBuf, [B, L, imgDim]) : null,
      candImgT: candImgBuf ? tf.tensor2d(candImgBuf, [M, imgDim]) : null,
      uniq,
      histSlot,
      candSlot,
    };
  }

  /** Scores [u, 1] . [v, bias] of every example against every candidate (B x M, row-major), run as one tfjs forward. */
  scoresFor(batch: readonly TrainExample[], cand: Int32Array): Float32Array {
    const g = this.gather(batch, cand);
    const idBias = new Float32Array(cand.length);
    cand.forEach((it, c) => {
      const br = this.bias.row(this.catalog.idKeys[it]);
      idBias[c] = br >= 0 ? this.bias.data[br] : 0;
    });
    const out = tf.tidy(() => {
      const o = towersTf(this.cfg, denseTensors(this.params.map), g.histT, g.maskT, g.ctxT, g.candT, g.histImgT, g.candImgT);
      const bias = tf.reshape(tf.add(o.cb, tf.tensor1d(idBias)), [1, cand.length]);
      return tf.add(tf.matMul(o.u, tf.transpose(o.v)), bias);
    });
    const S = out.dataSync() as Float32Array;
    tf.dispose([out, g.histT, g.maskT, g.ctxT, g.candT]);
    if (g.histImgT) g.histImgT.dispose();
    if (g.candImgT) g.candImgT.dispose();
    return S;
  }

  /**
   * One optimisation step on a batch. `negs` are popularity-sampled negatives with their sampling probabilities
   * (already multiplied by the number of draws). Returns the loss; `finite` is false when a gradient was non-finite
   * (then nothing was applied).
   */
  trainBatch(batch: readonly TrainExample[], negs: Int32Array, negQ: Float64Array, distiller?: Distiller, lrScale = 1): BatchResult {
    const g = this.batchGradients(batch, negs, negQ, distiller);
    if (!g.finite) return { loss: g.loss, finite: false };
    const ok =
      this.item.applyRows(g.rows.item, lrScale) &&
      this.token.applyRows(g.rows.token, lrScale) &&
      this.ctx.applyRows(g.rows.ctx, lrScale) &&
      this.bias.applyRows(g.rows.bias, lrScale);
    if (!ok) return { loss: g.loss, finite: false };
    this.params.apply(g.dense, lrScale);
    return { loss: g.loss, finite: true };
  }

  /**
   * The mean loss of a batch and the gradients of its summed loss: of each dense weight, and of every sparse row the
   * batch reads (the row buffers are reused by the next call). Nothing is applied. `finite` is false when the loss or a
   * dense gradient is not finite. Three steps: gather the rows, run the towers and the loss head forward and backward,
   * scatter the gradients of the gathered inputs to the rows they came from.
   */
  batchGradients(batch: readonly TrainExample[], negs: Int32Array, negQ: Float64Array, distiller?: Distiller): BatchGradients {
    const gathered = this.gatherBatch(batch, negs, negQ, distiller);
    const head = this.headGradients(batch, gathered);
    const loss = head.loss / batch.length;
    const d = this.cfg.dim;
    this.rowGrads ??= { item: new RowGrads(d), token: new RowGrads(d), ctx: new RowGrads(d), bias: new RowGrads(1) };
    const rows = this.rowGrads;
    for (const g of Object.values(rows)) g.reset();
    if (!Number.isFinite(loss)) return { loss, finite: false, dense: head.dense, rows };
    this.scatterGradients(batch, gathered, head, rows);
    let finite = true;
    for (const g of head.dense.values()) for (let i = 0; i < g.length && finite; i++) if (!Number.isFinite(g[i])) finite = false;
    return { loss, finite, dense: head.dense, rows };
  }

  /**
   * Gather step: the batch's candidates (its targets, then the sampled negatives), the towers' input tensors, and per
   * candidate its id bias, its log-Q correction and, with a distiller, the teacher's scores.
   */
  private gatherBatch(batch: readonly TrainExample[], negs: Int32Array, negQ: Float64Array, distiller?: Distiller): GatheredBatch {
    const cfg = this.cfg;
    const B = batch.length;
    const N = negs.length;
    const M = B + N;
    const cand = new Int32Array(M);
    for (let b = 0; b < B; b++) cand[b] = batch[b].target;
    cand.set(negs, B);
    const g = this.gather(batch, cand);
    const idBias = new Float64Array(M);
    const logq = new Float64Array(M);
    for (let c = 0; c < M; c++) {
      const br = this.bias.row(this.catalog.idKeys[cand[c]]);
      idBias[c] = br >= 0 ? this.bias.data[br] : 0;
    }
    const chunk = Math.max(1, cfg.chunk);
    for (let c = 0; c < B; c++) {
      const c0 = Math.floor(c / chunk) * chunk;
      logq[c] = this.logQ(cand[c], Math.min(B, c0 + chunk) - c0, 0);
    }
    for (let c = 0; c < N; c++) logq[B + c] = this.logQ(cand[B + c], 0, negQ[c]);
    const alpha = distiller ? cfg.distillAlpha : 0;
    const teacher = distiller && alpha > 0 ? distiller.scoresFor(batch, cand) : null;
    return { ...g, cand, idBias, logq, teacher, alpha };
  }

  /**
   * Head step: the towers forward on the gathered inputs, the loss head, and the backward through both. Returns the
   * summed loss, the dense gradients, the context gradients per example, the item-input gradients summed per unique
   * item (by slot) and the candidates' bias gradients. Disposes the gathered tensors.
   */
  private headGradients(batch: readonly TrainExample[], g: GatheredBatch): HeadGradients {
    const cfg = this.cfg;
    const d = cfg.dim;
    const L = cfg.historyLen;
    const { histT, maskT, ctxT, candT, histImgT, candImgT, uniq, histSlot, candSlot, cand, idBias, logq, teacher, alpha } = g;
    const B = batch.length;
    const M = cand.length;
    const N = M - B;
    const paramT = denseTensors(this.params.map);
    const weights = batch.map((ex) => ex.weight);
    // An example's candidates are its chunk's in-batch targets and the shared sampled negatives, so only the
    // chunk-diagonal blocks of u . v^T are computed: Sin_k = U_k . V_k^T per chunk and Sneg = U . Vneg^T, as plain 2-D
    // matMuls (wasm's batched matMul is not vectorised). The forward computes the sampled-softmax (+ distillation) loss
    // and its score gradients (and their transposes, so tfjs needs no transpose) in typed arrays; the backward hands
    // Gin_k . V_k + Gneg . Vneg, Gin_k^T . U_k, Gneg^T . U and the bias gradient to tfjs. So the towers run forward once
    // and backward once per batch.
    const C = Math.max(1, Math.min(cfg.chunk, B));
    const sizes: number[] = [];
    for (let c0 = 0; c0 < B; c0 += C) sizes.push(Math.min(C, B - c0));
    const nC = sizes.length;
    let loss = 0;
    let gB = new Float32Array(0);
    const head = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const u = args[0] as tf.Tensor2D;
      const v = args[1] as tf.Tensor2D;
      const cb = args[2] as tf.Tensor1D;
      const us = nC > 1 ? (tf.split(u, sizes, 0) as tf.Tensor2D[]) : [u];
      const vs = tf.split(v, N > 0 ? [...sizes, N] : sizes, 0) as tf.Tensor2D[];
      (args[3] as tf.GradSaveFunc)([u, ...us, ...vs]);
      const St = us.map((uk, k) => tf.matMul(uk, tf.transpose(vs[k])));
      if (N > 0) St.push(tf.matMul(u, tf.transpose(vs[nC])));
      const CB = cb.dataSync() as Float32Array;
      // read in place: no tfjs op runs until the head is done with them
      const Sin = St.slice(0, nC).map(readInPlace);
      const Sneg = N > 0 ? readInPlace(St[nC]) : new Float32Array(0);
      const r = softmaxHead({
        weights,
        cand,
        chunk: C,
        Sin,
        Sneg,
        contentBias: CB,
        idBias,
        logq,
        teacher,
        alpha,
        temperature: cfg.distillTemperature,
        alloc: (n, which) => this.scratch(which, n),
      });
      tf.dispose(St);
      loss = r.loss;
      gB = r.gB;
      return {
        value: tf.scalar(r.loss),
        gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const uS = saved[0] as tf.Tensor2D;
          const uk = saved.slice(1, 1 + nC) as tf.Tensor2D[];
          const vk = saved.slice(1 + nC) as tf.Tensor2D[];
          let gU = tf.concat(
            sizes.map((n, k) => tf.matMul(tf.tensor2d(r.Gin[k], [n, n]), vk[k])),
            0,
          ) as tf.Tensor2D;
          const gV = sizes.map((n, k) => tf.matMul(tf.tensor2d(r.GinT[k], [n, n]), uk[k]));
          if (N > 0) {
            gU = tf.add(gU, tf.matMul(tf.tensor2d(r.Gneg, [B, N]), vk[nC]));
            gV.push(tf.matMul(tf.tensor2d(r.GnegT, [N, B]), uS));
          }
          return [gU, tf.concat(gV, 0), tf.tensor1d(r.gB)];
        },
      };
    }) as (u: tf.Tensor2D, v: tf.Tensor2D, cb: tf.Tensor1D) => tf.Scalar;
    const names = PARAM_NAMES.filter((n) => n !== 'imgProj' || cfg.imageDim > 0);
    const inputs: tf.Tensor[] = [histT, ctxT, candT, ...names.map((n) => paramT[n])];
    const gradFn = tf.valueAndGrads((...args: tf.Tensor[]) => {
      const p = { ...paramT };
      names.forEach((n, i) => (p[n] = args[3 + i]));
      const o = towersTf(this.cfg, p, args[0] as tf.Tensor3D, maskT, args[1] as tf.Tensor2D, args[2] as tf.Tensor2D, histImgT, candImgT);
      return head(o.u, o.v, o.cb);
    });
    const { value, grads } = gradFn(inputs);
    const gCtx = grads[1].dataSync() as Float32Array;
    const dense = new Map<ParamName, Float32Array>();
    names.forEach((n, i) => dense.set(n, grads[3 + i].dataSync() as Float32Array));
    // item-input gradients summed per unique item (flat, by slot), read in place from the backend before the tensors go
    const gHist = readInPlace(grads[0]);
    const gCand = readInPlace(grads[2]);
    const gX = this.scratch('gX', uniq.length * d);
    for (let p = 0; p < B * L; p++) {
      const sl = histSlot[p];
      if (sl < 0) continue;
      const o = sl * d;
      const q = p * d;
      for (let j = 0; j < d; j++) gX[o + j] += gHist[q + j];
    }
    for (let c = 0; c < M; c++) {
      const o = candSlot[c] * d;
      const q = c * d;
      for (let j = 0; j < d; j++) gX[o + j] += gCand[q + j];
    }
    tf.dispose(grads);
    tf.dispose([value, histT, maskT, ctxT, candT, ...Object.values(paramT)]);
    if (histImgT) histImgT.dispose();
    if (candImgT) candImgT.dispose();
    return { loss, dense, gCtx, gX, gB };
  }

  /**
   * Scatter step: each unique item's input gradient to its id row and, through the transposed bags, to its content
   * rows; each example's context gradient to its context rows; each candidate's bias gradient to its id-bias row.
   */
  private scatterGradients(batch: readonly TrainExample[], g: GatheredBatch, head: HeadGradients, rowGrads: Record<StoreName, RowGrads>): void {
    const d = this.cfg.dim;
    const { uniq, cand } = g;
    const { gX, gCtx, gB } = head;
    const { item: itemRowsG, token: tokenRowsG, ctx: ctxRowsG, bias: biasRowsG } = rowGrads;
    let nnz = 0;
    for (let sl = 0; sl < uniq.length; sl++) {
      const idx = uniq[sl];
      this.refreshRows(idx);
      const r = this.cachedIdRow[idx];
      if (r >= 0) {
        this.item.touch(r);
        itemRowsG.add(r, gX, sl * d);
      }
      const rows = this.cachedTokRows[idx] as Int32Array;
      for (let t = 0; t < rows.length; t++) tokenRowsG.slot(rows[t]);
      nnz += rows.length;
    }
    this.bagBackward(uniq, gX, tokenRowsG, nnz);
    for (let b = 0; b < batch.length; b++) {
      for (const key of batch[b].ctxKeys) {
        const r = this.ctx.row(key);
        if (r >= 0) ctxRowsG.add(r, gCtx, b * d);
      }
    }
    for (let c = 0; c < cand.length; c++) {
      const r = this.bias.row(this.catalog.idKeys[cand[c]]);
      if (r >= 0) biasRowsG.add(r, gB, c);
    }
  }

  /**
   * Gradients of the content rows: row t gets the sum over the batch's items i whose bag holds t of gX_i / |bag_i|.
   * The bag is transposed (token slot -> its items) by a counting sort, then each row's sum is taken eight columns at a
   * time in registers and written once. `grads` already has a slot for every row of the items' bags.
   */
  private bagBackward(uniq: readonly number[], gX: Float32Array, grads: RowGrads, nnz: number): void {
    const d = this.cfg.dim;
    const nt = grads.size;
    const start = new Int32Array(nt + 1);
    const itemOff = new Int32Array(nnz);
    const wt = new Float32Array(nnz);
    for (const idx of uniq) {
      const rows = this.cachedTokRows[idx] as Int32Array;
      for (let t = 0; t < rows.length; t++) start[grads.slot(rows[t]) + 1]++;
    }
    for (let s = 0; s < nt; s++) start[s + 1] += start[s];
    const pos = start.slice(0, nt);
    for (let sl = 0; sl < uniq.length; sl++) {
      const rows = this.cachedTokRows[uniq[sl]] as Int32Array;
      const w = 1 / rows.length;
      for (let t = 0; t < rows.length; t++) {
        const k = pos[grads.slot(rows[t])]++;
        itemOff[k] = sl * d;
        wt[k] = w;
      }
    }
    for (let s = 0; s < nt; s++) weightedRowSum(gX, itemOff, wt, start[s], start[s + 1], d, grads.data, s * d, null, 0);
  }

  // ---------------------------------------------------------------- step transactions

  private stores(): SparseEmbeddingStore[] {
    return [this.item, this.token, this.ctx, this.bias];
  }

  begin(): void {
    for (const s of this.stores()) s.begin();
    this.params.begin();
  }

  /** True when every dense weight and every sparse row changed since begin() is finite. */
  changedWeightsFinite(): boolean {
    return this.params.allFinite() && this.stores().every((s) => s.touchedFinite());
  }

  commit(): void {
    for (const s of this.stores()) s.commit();
    this.params.commit();
  }

  rollback(): void {
    for (const s of this.stores()) s.rollback();
    this.params.rollback();
  }

  // ---------------------------------------------------------------- state

  state(): TwoTowerState {
    return {
      config: { ...this.cfg },
      dense: this.params.state(),
      denseSteps: this.params.steps,
      stores: { item: this.item.state(), token: this.token.state(), ctx: this.ctx.state(), bias: this.bias.state() },
      counts: this.counts.slice(0, this.catalog.size),
      totalCount: this.totalCount,
    };
  }

  static fromState(s: TwoTowerState, catalog: Catalog): TwoTowerModel {
    const m = new TwoTowerModel(s.config, catalog);
    m.params.load(s.dense, s.denseSteps);
    m.item = SparseEmbeddingStore.fromState(s.stores.item, s.config.seed + 1);
    m.token = SparseEmbeddingStore.fromState(s.stores.token, s.config.seed + 2);
    m.ctx = SparseEmbeddingStore.fromState(s.stores.ctx, s.config.seed + 3);
    m.bias = SparseEmbeddingStore.fromState(s.stores.bias, s.config.seed + 4);
    m.counts = new Float64Array(Math.max(1024, s.counts.length));
    m.counts.set(s.counts);
    m.totalCount = s.totalCount;
    return m;
  }

  clone(): TwoTowerModel {
    return TwoTowerModel.fromState(this.state(), this.catalog);
  }
}
