/**
 * Serving artifact of the student: item ids, precomputed item vectors (int8 or fp32), item inputs for pooling a user's
 * recent items, context rows and the user-tower weights. The scoring API loads it and needs no tfjs; it computes a user
 * vector from recent item ids and does the dot-product top-k.
 */
import type { TowerConfig } from '../model/config';
import { itemTowerForward, userTowerForward, type ParamName } from '../model/forward';
import type { TwoTowerModel } from '../model/two-tower';
import { contextKeys } from '../features/context';
import { TransitionMemory, type TransitionState } from '../model/transitions';
import { decodeBundle, encodeBundle, bundleChecksum } from '../core/bundle';
import { dequantizeInt8, dotAll, dotAllInt8, quantizeInt8, topK, topKInt8, topKOfScores, type QuantizedVectors, type Scored } from '../core/vectors';

export type VectorPrecision = 'int8' | 'fp32';

export interface ArtifactMeta {
  version: 1;
  createdAt: string;
  precision: VectorPrecision;
  items: number;
  [k: string]: unknown;
}

interface StoredVectors {
  dim: number;
  count: number;
  fp32?: Float32Array;
  codes?: Int8Array;
  scales?: Float32Array;
}

interface ArtifactTree {
  meta: ArtifactMeta;
  config: Pick<TowerConfig, 'dim' | 'hidden' | 'cross' | 'historyLen' | 'useUserId'>;
  itemIds: string[];
  active: Uint8Array;
  /** Item inputs x (what the user tower pools over); item vectors are derived from them at load. */
  inputs: StoredVectors;
  idBias: Float32Array;
  ctxKeys: Float64Array;
  ctxRows: Float32Array;
  user: Record<string, { shape: number[]; value: Float32Array }>;
  /** The student's transition memory (each item's strongest successors) and its weight; absent: two-tower only. */
  memory?: TransitionState & { beta: number };
}

export interface ArtifactMemory {
  memory: TransitionMemory;
  beta: number;
  /** Successors kept per item (the strongest); default 100. */
  maxNeighbours?: number;
}

const TOWER_PARAMS: ParamName[] = ['posLogit', 'attn', 'U1', 'ub1', 'U2', 'ub2', 'I1', 'ib1', 'I2', 'ib2', 'bw'];

function store(v: Float32Array, dim: number, precision: VectorPrecision): StoredVectors {
  const count = Math.floor(v.length / dim);
  if (precision === 'fp32') return { dim, count, fp32: v };
  const q = quantizeInt8(v, dim);
  return { dim, count, codes: q.codes, scales: q.scales };
}

function quantized(s: StoredVectors): QuantizedVectors | null {
  return s.codes && s.scales ? { dim: s.dim, count: s.count, codes: s.codes, scales: s.scales } : null;
}

export interface UserContext {
  ts?: number;
  device?: string;
  userId?: string;
}

export class ServingModel {
  private readonly index = new Map<string, number>();
  private readonly ctx = new Map<number, number>();
  private readonly inputsF32: Float32Array;
  private readonly vectors: StoredVectors;
  private readonly memory: TransitionMemory | null;

  private constructor(private readonly t: ArtifactTree) {
    this.memory = t.memory ? TransitionMemory.fromState(t.memory) : null;
    t.itemIds.forEach((id, i) => this.index.set(id, i));
    for (let i = 0; i < t.ctxKeys.length; i++) this.ctx.set(t.ctxKeys[i], i);
    const qi = quantized(t.inputs);
    this.inputsF32 = t.inputs.fp32 ?? dequantizeInt8(qi as QuantizedVectors);
    // item vectors [v, bias] from the stored inputs through the item tower, then stored at the artifact's precision
    const d = t.config.dim;
    const n = t.itemIds.length;
    const v = new Float32Array(n * (d + 1));
    const param = (name: ParamName) => (t.user[name] as { value: Float32Array }).value;
    for (let i = 0; i < n; i++) itemTowerForward(t.config, param, this.inputsF32, i * d, t.idBias[i], v, i * (d + 1));
    this.vectors = store(v, d + 1, t.meta.precision);
  }

  /** Builds the artifact from a trained model (its current weights). */
  static fromModel(model: TwoTowerModel, precision: VectorPrecision = 'int8', extraMeta: Record<string, unknown> = {}, memory?: ArtifactMemory): ServingModel {
    const cat = model.catalog;
    const d = model.cfg.dim;
    const inputs = new Float32Array(cat.size * d);
    for (let i = 0; i < cat.size; i++) model.itemInput(i, inputs, i * d);
    const cs = model.ctx.state();
    const user: ArtifactTree['user'] = {};
    for (const n of TOWER_PARAMS) {
      const p = model.dense.get(n);
      if (p) user[n] = { shape: p.shape.slice(), value: p.value.slice() };
    }
    return new ServingModel({
      meta: { version: 1, createdAt: new Date().toISOString(), precision, items: cat.size, ...extraMeta },
      config: { dim: d, hidden: model.cfg.hidden, cross: model.cfg.cross, historyLen: model.cfg.historyLen, useUserId: model.cfg.useUserId },
      itemIds: cat.ids.slice(),
      active: Uint8Array.from(cat.active, (a) => (a ? 1 : 0)),
      inputs: store(inputs, d, precision),
      idBias: model.idBiases(),
      ctxKeys: Float64Array.from(cs.keys),
      ctxRows: cs.data,
      user,
      ...(memory ? { memory: { ...memory.memory.servingState(memory.maxNeighbours ?? 100), beta: memory.beta } } : {}),
    });
  }

  get meta(): ArtifactMeta {
    return this.t.meta;
  }

  get itemIds(): readonly string[] {
    return this.t.itemIds;
  }

  get vectorDim(): number {
    return this.vectors.dim;
  }

  /** fp32 item vectors (dequantized when stored as int8). */
  itemVectors(): Float32Array {
    const q = quantized(this.vectors);
    return this.vectors.fp32 ?? dequantizeInt8(q as QuantizedVectors);
  }

  /** User vector from recent item ids (most recent first); unknown ids are skipped. */
  userVector(recentItemIds: readonly string[], context: UserContext = {}): Float32Array {
    const { dim: d, historyLen } = this.t.config;
    const idx = recentItemIds.map((id) => this.index.get(id)).filter((i): i is number => i !== undefined).slice(0, historyLen);
    const H = new Float32Array(Math.max(1, idx.length) * d);
    const inputs = this.inputsF32 as Float32Array;
    idx.forEach((i, k) => H.set(inputs.subarray(i * d, i * d + d), k * d));
    const c = new Float32Array(d);
    const keys = contextKeys(context.ts ?? Date.now(), context.device ? { device: context.device } : undefined, this.t.config.useUserId ? context.userId : undefined);
    for (const key of keys) {
      const r = this.ctx.get(key);
      if (r !== undefined) for (let j = 0; j < d; j++) c[j] += this.t.ctxRows[r * d + j];
    }
    return userTowerForward(this.t.config, (n) => (this.t.user[n] as { value: Float32Array }).value, H, idx.length, c);
  }

  /** Top-k item ids for a user vector, leaving out `exclude` ids and deleted items. */
  topK(user: Float32Array, k: number, exclude: Iterable<string> = []): { itemId: string; score: number }[] {
    const ex = new Set<number>();
    for (const id of exclude) {
      const i = this.index.get(id);
      if (i !== undefined) ex.add(i);
    }
    const q = quantized(this.vectors);
    const opts = { k, exclude: ex, allowed: this.t.active };
    const res: Scored[] = q ? topKInt8(user, q, opts) : topK(user, this.vectors.fp32 as Float32Array, this.vectors.dim, opts);
    return res.map((r) => ({ itemId: this.t.itemIds[r.index], score: r.score }));
  }

  /**
   * Top-k item ids for a user from their recent item ids (most recent first): the two-tower dot product plus, when the
   * artifact has a transition memory, beta * log(1 + memory score). `exclude` ids and deleted items are left out.
   */
  recommend(recentItemIds: readonly string[], k: number, context: UserContext = {}, exclude: Iterable<string> = []): { itemId: string; score: number }[] {
    const u = this.userVector(recentItemIds, context);
    if (!this.memory || !this.t.memory) return this.topK(u, k, exclude);
    const ex = new Set<number>();
    for (const id of exclude) {
      const i = this.index.get(id);
      if (i !== undefined) ex.add(i);
    }
    const q = quantized(this.vectors);
    const scores = q ? dotAllInt8(u, q) : dotAll(u, this.vectors.fp32 as Float32Array, this.vectors.dim);
    const hist = recentItemIds.map((id) => this.index.get(id)).filter((i): i is number => i !== undefined);
    this.memory.boost(hist, this.t.memory.beta, scores);
    return topKOfScores(scores, { k, exclude: ex, allowed: this.t.active }).map((r) => ({ itemId: this.t.itemIds[r.index], score: r.score }));
  }

  /** Serialised artifact (binary bundle with a sha256 checksum). */
  save(): Buffer {
    return encodeBundle(this.t);
  }

  static load(buf: Buffer): ServingModel {
    return new ServingModel(decodeBundle<ArtifactTree>(buf));
  }

  static checksum(buf: Buffer): string {
    return bundleChecksum(buf);
  }
}
