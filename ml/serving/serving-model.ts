/**
 * The serving model the scoring API holds: loaded from an artifact by parsing (no tower forward, no tfjs), it computes
 * a user vector from recent item ids, ranks with the student's full score
 *   s(x) = [u, 1] . [v_x, b_x] + beta * log(1 + m(x)) + gamma * r(x)
 * (m: the transition memory's score, r: the item regression's)
 * through the candidate index on a large catalog, embeds products that arrive after the build, and evaluates itself
 * on held-out samples exactly as the evaluation protocol ranks.
 */
import type { ProductEvent } from '../core/events';
import { rankOf, HeldOutAccumulator, type HeldOutMetrics } from '../core/ranking';
import { TopKHeap, topKOfScores } from '../core/vectors';
import { contextKeys } from '../features/context';
import { userTowerForward, type ParamName } from '../model/forward';
import { historyBucket } from '../model/transitions';
import type { TwoTowerModel } from '../model/two-tower';
import {
  buildArtifact,
  decodeArtifact,
  encodeArtifact,
  INDEX_MIN_ITEMS,
  type ArtifactBuildMeta,
  type ArtifactBuildOptions,
  type ArtifactMemory,
  type ArtifactMeta,
  type ArtifactTree,
} from './artifact';
import { bundleChecksum } from '../core/bundle';
import { CandidateIndex } from './candidate-index';
import { ContentEmbedder } from './content-embedder';
import { SuccessorTable } from './successors';
import { VectorRows, type VectorPrecision } from './vector-rows';

/** The request's context features. */
export interface UserContext {
  /** Epoch ms of the request (its hour of day is a context feature); default now. */
  ts?: number;
  /** The client's device (a context feature); default 'unknown'. */
  device?: string;
  /** The user, for a model trained with user-id context rows. */
  userId?: string;
}

/** How `recommend` finds its candidates. */
export interface RecommendOptions {
  /**
   * 'exact': score every item; 'index': the candidate index's top-k of the two-tower part plus the memory's
   * successors of the recent items, re-scored with the full score (exact when the artifact has no index); 'auto'
   * (default): the index when the artifact has one and the catalog has at least INDEX_MIN_ITEMS items, else exact.
   */
  retrieval?: 'auto' | 'exact' | 'index';
  /** Index lists scanned; default DEFAULT_NPROBE. */
  nprobe?: number;
}

/**
 * Index lists a query scans by default: on the 100k-item synthetic catalog (158 lists) the two-tower top-10 recall
 * against the exact scan was 0.9998 (0.999 with 4 lists), about 5.4k items scored instead of 100k.
 */
export const DEFAULT_NPROBE = 8;

/** One recommended item and its full score. */
export interface Recommendation {
  itemId: string;
  score: number;
}

/**
 * One held-out positive, in item ids: the user's recent items before it (most recent first), the request context,
 * the item the user went to, and the items the user had positives on before (left out of the ranking).
 */
export interface HeldOutSample {
  userId?: string;
  recentItemIds: readonly string[];
  context: { ts: number; device?: string };
  targetItemId: string;
  seenItemIds: readonly string[];
}

/** HR@k, NDCG@k and the full-catalog loss of the samples; `skipped`: samples whose target the model does not know. */
export interface ServingEvaluation extends HeldOutMetrics {
  skipped: number;
}

/**
 * A loaded (or freshly built) serving artifact, ready to answer: `recommend`, `addProduct`, `evaluate`. Not safe to
 * share across worker threads; a request never blocks for long (no tower forward, no index build).
 */
export class ServingModel {
  private readonly index = new Map<string, number>();
  private readonly ctx = new Map<number, number>();
  private readonly itemIds: string[];
  private active: Uint8Array;
  private hasIdRow: Uint8Array;
  private idBias: Float32Array;
  private readonly vectors: VectorRows;
  private readonly inputs: VectorRows;
  private readonly contentRows: VectorRows;
  private readonly embedder: ContentEmbedder;
  private readonly successors: SuccessorTable | null;
  private readonly beta: number;
  private readonly regression: SuccessorTable | null;
  private readonly gamma: number;
  /** The weights per history bucket (the artifact's `mix`), or null: beta and gamma for every user. */
  private readonly mix: { bounds: number[]; beta: number[]; gamma: number[] } | null;
  /** Memory and regression scores of the items the wide terms reach (valid while marked 2). */
  private wideM = new Float64Array(0);
  private wideR = new Float64Array(0);
  private readonly candidates: CandidateIndex | null;
  /** Work marks per item (1: excluded, 2: scored by the memory), cleared after each request. */
  private marks = new Uint8Array(0);

  private constructor(private readonly t: ArtifactTree) {
    this.itemIds = t.itemIds.slice();
    this.itemIds.forEach((id, i) => this.index.set(id, i));
    for (let i = 0; i < t.ctxKeys.length; i++) this.ctx.set(t.ctxKeys[i], i);
    this.active = t.active;
    this.hasIdRow = t.hasIdRow;
    this.idBias = t.idBias;
    this.vectors = VectorRows.from(t.vectors);
    this.inputs = VectorRows.from(t.inputs);
    this.contentRows = VectorRows.from(t.content.rows);
    this.embedder = new ContentEmbedder(t.config, t.content.keys, this.contentRows, (n) => this.param(n));
    this.successors = t.memory ? SuccessorTable.fromState(t.memory) : null;
    this.beta = t.memory?.beta ?? 0;
    this.regression = t.regression ? SuccessorTable.fromState(t.regression) : null;
    this.gamma = t.regression?.gamma ?? 0;
    this.mix = t.mix ?? null;
    this.candidates = t.index ? new CandidateIndex(t.index) : null;
  }

  /**
   * Builds the serving model of a trained model (its current weights): precision of the stored vectors and rows
   * (default int8), what the meta says of it, the transition memory to ship (default none: the two-tower alone), and
   * the build options (the learner's own item vectors, the candidate index).
   */
  static fromModel(
    model: TwoTowerModel,
    precision: VectorPrecision = 'int8',
    meta: ArtifactBuildMeta = {},
    memory?: ArtifactMemory,
    build: ArtifactBuildOptions = {},
  ): ServingModel {
    return new ServingModel(buildArtifact(model, precision, meta, memory, build));
  }

  /**
   * A serving model over an artifact already decoded (by `decodeArtifact`, e.g. in a worker thread that verified it and
   * passed the tree over by structured clone): what remains is building the lookup tables.
   */
  static fromTree(tree: ArtifactTree): ServingModel {
    return new ServingModel(tree);
  }

  /** Parses an artifact (no tower runs). Throws ChecksumError, ArtifactKindError or ArtifactSchemaError. */
  static load(buf: Buffer): ServingModel {
    return new ServingModel(decodeArtifact(buf));
  }

  /** Records the model's metrics in its meta (measured after the build, before `save`). */
  setMetrics(metrics: ArtifactTree['meta']['metrics']): void {
    this.t.meta = { ...this.t.meta, metrics: { ...metrics } };
  }

  /** The sha256 an artifact's bytes carry. */
  static checksum(buf: Buffer): string {
    return bundleChecksum(buf);
  }

  /** The artifact's bytes, as built or loaded plus the products added since (a checksummed bundle). */
  save(): Buffer {
    return encodeArtifact({
      ...this.t,
      itemIds: this.itemIds,
      active: this.active.subarray(0, this.size),
      hasIdRow: this.hasIdRow.subarray(0, this.size),
      idBias: this.idBias.subarray(0, this.size),
      meta: { ...this.t.meta, items: this.size },
      vectors: this.vectors.stored(),
      inputs: this.inputs.stored(),
      ...(this.candidates ? { index: this.candidates.snapshot() } : {}),
    });
  }

  /** The artifact's meta (kind, versions, cursor, metrics, precision, items). */
  get meta(): ArtifactMeta {
    return this.t.meta;
  }

  /** Items known (built and added), live or deleted. */
  get size(): number {
    return this.itemIds.length;
  }

  /** Width of the item vectors: dim + 1 (the bias). */
  get vectorDim(): number {
    return this.vectors.dim;
  }

  /** Whether recommend can use a candidate index. */
  get hasIndex(): boolean {
    return this.candidates !== null;
  }

  /** The memory's weight beta (0 without a memory). */
  get memoryWeight(): number {
    return this.beta;
  }

  /** The item regression's weight gamma (0 without one). */
  get regressionWeight(): number {
    return this.gamma;
  }

  /**
   * The memory's and the regression's weights for a user with `n` known recent positives: their history bucket's (an
   * artifact with per-history weights, the learner's mixer), else beta and gamma.
   */
  weightsFor(n: number): [number, number] {
    const mix = this.mix;
    if (!mix) return [this.beta, this.gamma];
    const b = historyBucket(n, mix.bounds);
    return [this.successors ? mix.beta[b] : 0, this.regression ? mix.gamma[b] : 0];
  }

  /** Bytes held by the item vectors, item inputs, content rows, memory and index (the bulk of the process's model memory). */
  get bytes(): number {
    const idx = this.t.index;
    return (
      this.vectors.bytes +
      this.inputs.bytes +
      this.t.content.keys.byteLength +
      this.contentRows.bytes +
      (this.successors?.bytes ?? 0) +
      (this.regression?.bytes ?? 0) +
      (idx ? idx.centroids.byteLength + idx.members.byteLength + idx.offsets.byteLength : 0)
    );
  }

  /** Item id of an index. */
  itemId(i: number): string {
    return this.itemIds[i];
  }

  /** Index of an item id (undefined when unknown). */
  indexOf(itemId: string): number | undefined {
    return this.index.get(itemId);
  }

  /** Whether an item is rankable (known and not deleted). */
  isLive(itemId: string): boolean {
    const i = this.index.get(itemId);
    return i !== undefined && this.active[i] === 1;
  }

  /** fp32 item vectors [v, bias] of every known item (dequantized when stored as int8). */
  itemVectors(): Float32Array {
    return this.vectors.toFloat32();
  }

  private param(name: ParamName): Float32Array {
    const p = this.t.dense[name];
    if (!p) throw new RangeError(`the artifact has no ${name} weights`);
    return p.value;
  }

  private indices(ids: Iterable<string>): number[] {
    const out: number[] = [];
    for (const id of ids) {
      const i = this.index.get(id);
      if (i !== undefined) out.push(i);
    }
    return out;
  }

  private userVectorOf(hist: readonly number[], context: UserContext): Float32Array {
    const { dim: d, historyLen, useUserId } = this.t.config;
    const L = Math.min(historyLen, hist.length);
    const H = new Float32Array(Math.max(1, L) * d);
    for (let k = 0; k < L; k++) this.inputs.read(hist[k], H, k * d);
    const c = new Float32Array(d);
    const keys = contextKeys(context.ts ?? Date.now(), context.device ? { device: context.device } : undefined, useUserId ? context.userId : undefined);
    for (const key of keys) {
      const r = this.ctx.get(key);
      if (r !== undefined) for (let j = 0; j < d; j++) c[j] += this.t.ctxRows[r * d + j];
    }
    return userTowerForward(this.t.config, (n) => this.param(n), H, L, c);
  }

  /** User vector [u, 1] from recent item ids (most recent first); unknown ids are skipped. */
  userVector(recentItemIds: readonly string[], context: UserContext = {}): Float32Array {
    return this.userVectorOf(this.indices(recentItemIds), context);
  }

  /** Full scores of every known item for a user (two-tower + beta * log(1 + memory) + gamma * regression). */
  private scoreAll(u: Float32Array, hist: readonly number[]): Float32Array {
    const scores = new Float32Array(this.size);
    this.vectors.dotAll(u, scores);
    const [beta, gamma] = this.weightsFor(hist.length);
    if (this.successors && beta !== 0) {
      this.successors.forEach(hist, (x, m) => {
        if (x < scores.length) scores[x] += beta * Math.log1p(m);
      });
    }
    if (this.regression && gamma !== 0) {
      this.regression.forEach(hist, (x, r) => {
        if (x < scores.length) scores[x] += gamma * r;
      });
    }
    return scores;
  }

  /** The full score of item i from its dot product and wide scores, rounded as scoreAll rounds (float32 after each term). */
  private full(dot: number, m: number, r: number, beta: number, gamma: number): number {
    return Math.fround(Math.fround(Math.fround(dot) + beta * Math.log1p(m)) + gamma * r);
  }

  /** Full scores of every known item for a user from their recent item ids (most recent first), by item index. */
  scores(recentItemIds: readonly string[], context: UserContext = {}): Float32Array {
    const hist = this.indices(recentItemIds);
    return this.scoreAll(this.userVectorOf(hist, context), hist);
  }

  /**
   * Full scores of some items for a user (the same numbers as `scores`, computed for these items only): undefined for
   * an item the model does not know or a deleted one.
   */
  scoreItems(recentItemIds: readonly string[], itemIds: readonly string[], context: UserContext = {}): (number | undefined)[] {
    const hist = this.indices(recentItemIds);
    const u = this.userVectorOf(hist, context);
    const [beta, gamma] = this.weightsFor(hist.length);
    const memory = new Map<number, number>();
    if (this.successors && beta !== 0) this.successors.forEach(hist, (x, m) => memory.set(x, m));
    const regression = new Map<number, number>();
    if (this.regression && gamma !== 0) this.regression.forEach(hist, (x, r) => regression.set(x, r));
    return itemIds.map((id) => {
      const i = this.index.get(id);
      if (i === undefined || this.active[i] !== 1) return undefined;
      return this.full(this.vectors.dot(u, i), memory.get(i) ?? 0, regression.get(i) ?? 0, beta, gamma);
    });
  }

  /** Top-k item ids by the two-tower part alone for a user vector, leaving out `exclude` ids and deleted items (exact scan). */
  topK(user: Float32Array, k: number, exclude: Iterable<string> = []): Recommendation[] {
    const scores = new Float32Array(this.size);
    this.vectors.dotAll(user, scores);
    return topKOfScores(scores, { k, exclude: new Set(this.indices(exclude)), allowed: this.active }).map((r) => ({ itemId: this.itemIds[r.index], score: r.score }));
  }

  /**
   * Top-k item ids for a user from their recent item ids (most recent first) by the full score, leaving out `exclude`
   * ids and deleted items. On a large catalog (see RecommendOptions) the candidates are the index's top-k of the
   * two-tower part among the items the memory does not score, plus every item the memory scores, and that union is
   * ranked with the full score: the same numbers as the exact scan, so it returns the exact scan's answer whenever the
   * index found the two-tower top-k.
   */
  recommend(recentItemIds: readonly string[], k: number, context: UserContext = {}, exclude: Iterable<string> = [], o: RecommendOptions = {}): Recommendation[] {
    const hist = this.indices(recentItemIds);
    const u = this.userVectorOf(hist, context);
    const ex = this.indices(exclude);
    const mode = o.retrieval ?? 'auto';
    const useIndex = this.candidates !== null && (mode === 'index' || (mode === 'auto' && this.size >= INDEX_MIN_ITEMS));
    if (useIndex) {
      const r = this.recommendIndexed(u, hist, ex, k, o.nprobe ?? DEFAULT_NPROBE);
      if (r) return r;
    }
    const scores = this.scoreAll(u, hist);
    return topKOfScores(scores, { k, exclude: new Set(ex), allowed: this.active }).map((x) => ({ itemId: this.itemIds[x.index], score: x.score }));
  }

  /** The indexed path; null when the probed lists held fewer than k rankable items (the caller scans exactly). */
  private recommendIndexed(u: Float32Array, hist: readonly number[], ex: readonly number[], k: number, nprobe: number): Recommendation[] | null {
    const n = this.size;
    if (this.marks.length < n) this.marks = new Uint8Array(Math.max(n, 2 * this.marks.length));
    const marks = this.marks;
    const marked: number[] = [];
    for (const i of ex) {
      if (marks[i] === 0) marked.push(i);
      marks[i] = 1;
    }
    if (this.wideM.length < n) {
      this.wideM = new Float64Array(this.marks.length);
      this.wideR = new Float64Array(this.marks.length);
    }
    const wm = this.wideM;
    const wr = this.wideR;
    const wideItems: number[] = [];
    const reach = (x: number): boolean => {
      if (x >= n || marks[x] === 1) return false;
      if (marks[x] === 0) {
        marks[x] = 2;
        marked.push(x);
        wideItems.push(x);
        wm[x] = 0;
        wr[x] = 0;
      }
      return true;
    };
    const [beta, gamma] = this.weightsFor(hist.length);
    if (this.successors && beta !== 0) {
      this.successors.forEach(hist, (x, m) => {
        if (reach(x)) wm[x] = m;
      });
    }
    if (this.regression && gamma !== 0) {
      this.regression.forEach(hist, (x, r) => {
        if (reach(x)) wr[x] = r;
      });
    }
    const active = this.active;
    const vectors = this.vectors;
    const deep = new TopKHeap(k);
    (this.candidates as CandidateIndex).scan(u, nprobe, (i) => {
      if (marks[i] === 0 && active[i] === 1) deep.push(i, vectors.dot(u, i));
    });
    for (const i of marked) marks[i] = 0;
    if (deep.size < k) return null;
    const top = new TopKHeap(k);
    for (let t = 0; t < deep.size; t++) top.push(deep.idx[t], deep.val[t]);
    for (const x of wideItems) if (active[x] === 1) top.push(x, this.full(vectors.dot(u, x), wm[x], wr[x], beta, gamma));
    return top.result().map((r) => ({ itemId: this.itemIds[r.index], score: r.score }));
  }

  /**
   * Applies a product event: a product_upsert of a new product gives it a vector from its content (the content rows,
   * imgProj and the item tower shipped in the artifact; no id row, id bias 0) and makes it rankable; an upsert of a
   * known product makes it rankable again and recomputes its vector from the new content only when it has no id row
   * (a content-only item): an item with a learned id row keeps the vector it was built with until the next artifact
   * (its id row is folded into its stored input and cannot be separated from the old content). A product_delete makes
   * the item unrankable. Returns the item's index (undefined for a delete of an unknown item).
   */
  addProduct(e: ProductEvent): number | undefined {
    const known = this.index.get(e.itemId);
    if (e.type === 'product_delete') {
      if (known !== undefined) this.active[known] = 0;
      return known;
    }
    const d = this.t.config.dim;
    if (known !== undefined) {
      this.active[known] = 1;
      if (this.hasIdRow[known] === 1) return known;
    }
    const i = known ?? this.append(e.itemId);
    const x = new Float32Array(d);
    this.embedder.input(e, x, 0);
    const v = new Float32Array(d + 1);
    this.embedder.vector(x, 0, this.idBias[i], v, 0);
    this.inputs.set(i, x, 0);
    this.vectors.set(i, v, 0);
    this.candidates?.place(i, v, 0);
    return i;
  }

  private append(itemId: string): number {
    const i = this.itemIds.length;
    this.itemIds.push(itemId);
    this.index.set(itemId, i);
    const grow = <T extends Uint8Array | Float32Array>(a: T, make: (n: number) => T): T => {
      if (i < a.length) return a;
      const b = make(Math.max(i + 1, Math.ceil(a.length * 1.5), 16));
      b.set(a);
      return b;
    };
    this.active = grow(this.active, (m) => new Uint8Array(m));
    this.hasIdRow = grow(this.hasIdRow, (m) => new Uint8Array(m));
    this.idBias = grow(this.idBias, (m) => new Float32Array(m));
    this.active[i] = 1;
    this.hasIdRow[i] = 0;
    this.idBias[i] = 0;
    return i;
  }

  /**
   * HR@k, NDCG@k (default k = 10) and the mean full-catalog log-loss of held-out samples: each target ranked by the
   * full score against every live item, the sample's seen items left out (the target itself is always ranked), as the
   * evaluation protocol ranks (core/ranking rankOf). Samples whose target the model does not know are counted in
   * `skipped`, not scored.
   */
  evaluate(samples: readonly HeldOutSample[], k = 10): ServingEvaluation {
    const acc = new HeldOutAccumulator();
    let skipped = 0;
    for (const s of samples) {
      const target = this.index.get(s.targetItemId);
      if (target === undefined) {
        skipped++;
        continue;
      }
      const hist = this.indices(s.recentItemIds);
      const scores = this.scoreAll(this.userVectorOf(hist, { ...s.context, userId: s.userId }), hist);
      acc.add(rankOf(scores, target, k, new Set(this.indices(s.seenItemIds)), this.active));
    }
    return { ...acc.result(), skipped };
  }
}
