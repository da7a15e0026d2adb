/**
 * Continual learner: a student two-tower model (optionally distilled from a teacher that trains less often), a replay
 * reservoir against forgetting, active-learning selection of the window's pool, and steps that warm-start from the
 * current weights and are rejected when the weights turn non-finite.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import type { Catalog } from '../features/catalog';
import { studentConfig, teacherConfig, type TowerConfig } from '../model/config';
import { TwoTowerModel, type Distiller } from '../model/two-tower';
import type { TrainExample } from '../features/example';
import { selectSamples, type SelectionMode } from './active';
import { MemoryMixer, TransitionMemory } from '../model/transitions';
import { dotAll, topKOfScores, type TopKOptions } from '../core/vectors';

export interface LearnerOptions {
  student?: Partial<TowerConfig>;
  /** Teacher config overrides, or false for no teacher (no distillation). */
  teacher?: Partial<TowerConfig> | false;
  /** The teacher steps once every this many student steps (on everything since its last step). */
  teacherEvery?: number;
  imageDim?: number;
  replaySize?: number;
  /** Replay samples per new sample. */
  replayRatio?: number;
  /** A step trains at least this many examples (extra passes over small windows), up to maxPasses. */
  minStepExamples?: number;
  maxPasses?: number;
  selection?: SelectionMode;
  /** Fraction of the window's pool trained on when selection is active or random. */
  budget?: number;
  /** The transition memory (the student's wide half); false: the two-tower alone. */
  memory?: boolean;
  /** Weight of the memory's reverse direction (a positive on x after p also counts x -> p). */
  memoryReverse?: number;
  /** Exponent of the memory's popularity discount of a candidate (n_x^-memoryPopularity). */
  memoryPopularity?: number;
  /** Held-out window samples ranked per step to choose the memory weight. */
  mixSamples?: number;
  seed?: number;
}

export interface StepReport {
  accepted: boolean;
  skipped: boolean;
  pool: number;
  selected: number;
  examples: number;
  loss: number;
  seconds: number;
  teacherStepped: boolean;
  reason?: string;
}

export const LEARNER_DEFAULTS = {
  teacherEvery: 4,
  replaySize: 20_000,
  replayRatio: 0.5,
  minStepExamples: 0,
  maxPasses: 1,
  memory: true,
  memoryReverse: 0.5,
  memoryPopularity: 0.3,
  mixSamples: 4,
  selection: 'all' as SelectionMode,
  budget: 0.3,
  seed: 1,
};

class TeacherDistiller implements Distiller {
  /** Bumped at every teacher step. */
  version = 0;
  constructor(readonly model: TwoTowerModel) {}
  refresh(): void {
    this.version++;
  }
  scoresFor(examples: readonly TrainExample[], candidates: Int32Array): Float32Array {
    return this.model.scoresFor(examples, candidates);
  }
}

/** Popularity sampler over catalog items: p ∝ count^0.75. */
export class NegativeSampler {
  private cum = new Float64Array(0);
  private n = 0;
  constructor(private readonly counts: () => Float64Array, private readonly size: () => number) {}
  rebuild(): void {
    const c = this.counts();
    this.n = this.size();
    if (this.cum.length < this.n) this.cum = new Float64Array(Math.max(this.n, this.cum.length * 2));
    let s = 0;
    for (let i = 0; i < this.n; i++) {
      s += c[i] > 0 ? Math.pow(c[i], 0.75) : 0;
      this.cum[i] = s;
    }
    if (s === 0) for (let i = 0; i < this.n; i++) this.cum[i] = i + 1;
  }
  prob(i: number): number {
    const tot = this.cum[this.n - 1];
    return (this.cum[i] - (i > 0 ? this.cum[i - 1] : 0)) / tot;
  }
  sample(k: number, rng: Rng): { items: Int32Array; q: Float64Array } {
    const items = new Int32Array(k);
    const q = new Float64Array(k);
    if (this.n === 0) return { items: new Int32Array(0), q: new Float64Array(0) };
    const tot = this.cum[this.n - 1];
    for (let t = 0; t < k; t++) {
      const r = rng.next() * tot;
      let lo = 0;
      let hi = this.n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.cum[mid] > r) hi = mid;
        else lo = mid + 1;
      }
      items[t] = lo;
      q[t] = k * this.prob(lo);
    }
    return { items, q };
  }
}

export class ContinualLearner {
  readonly student: TwoTowerModel;
  readonly teacher: TwoTowerModel | null;
  readonly opts: typeof LEARNER_DEFAULTS & LearnerOptions;
  private readonly distiller: TeacherDistiller | null;
  private pending: TrainExample[] = [];
  private teacherPending: TrainExample[] = [];
  private reservoir: TrainExample[] = [];
  private seen = 0;
  private steps = 0;
  private readonly rng: Rng;
  private readonly sampler: NegativeSampler;
  private vectors: Float32Array = new Float32Array(0);
  private vectorCount = 0;
  private vectorsStale = true;
  /** The student's wide half: item -> item transitions, learned at each step; and the weight it is mixed in with. */
  readonly memory: TransitionMemory;
  readonly mixer = new MemoryMixer();
  private vectorsStep = -1;
  /** Examples trained by the student and seconds spent doing so (throughput). */
  trainedExamples = 0;
  trainSeconds = 0;

  constructor(
    readonly catalog: Catalog,
    opts: LearnerOptions = {},
  ) {
    this.opts = { ...LEARNER_DEFAULTS, ...opts };
    this.memory = new TransitionMemory(10, 200, this.opts.memoryReverse, this.opts.memoryPopularity);
    const imageDim = opts.imageDim ?? catalog.imageDim;
    this.student = new TwoTowerModel(studentConfig({ imageDim, ...opts.student }), catalog);
    this.teacher = opts.teacher === false || opts.teacher === undefined ? null : new TwoTowerModel(teacherConfig({ imageDim, ...opts.teacher }), catalog);
    this.distiller = this.teacher ? new TeacherDistiller(this.teacher) : null;
    this.rng = new Rng(this.opts.seed);
    this.sampler = new NegativeSampler(() => this.student.counts, () => catalog.size);
  }

  private models(): TwoTowerModel[] {
    return this.teacher ? [this.student, this.teacher] : [this.student];
  }

  /** A new product (or changed content): its tokens become known to the models. */
  addProduct(itemIdx: number): void {
    for (const m of this.models()) m.observeContent(itemIdx);
    if (itemIdx < this.vectorCount) this.changedItems.add(itemIdx);
  }
  /** Items whose content changed since their vector was computed. */
  private changedItems = new Set<number>();

  /** A new positive sample: counted at once (tables grow for new ids), trained on at the next step. */
  addSample(ex: TrainExample): void {
    for (const m of this.models()) {
      m.observePositive(ex.target);
      m.observeContext(ex.ctxKeys);
    }
    this.pending.push(ex);
    if (this.teacher) this.teacherPending.push(ex);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Per-sample loss + uncertainty scores under the current student (forward only). */
  sampleScores(pool: readonly TrainExample[]): Float64Array {
    this.sampler.rebuild();
    const { items: negs, q } = this.sampler.sample(Math.min(128, this.student.cfg.negatives), this.rng);
    const m = this.student;
    const D = m.vectorDim;
    const nv = m.itemVectors(negs);
    const out = new Float64Array(pool.length);
    const lq = Array.from(q, (x) => Math.log(Math.max(x, 1e-9)));
    pool.forEach((ex, i) => {
      const u = m.userVector(ex.hist, ex.ctxKeys);
      const tv = m.itemVectors([ex.target]);
      let pos = 0;
      for (let j = 0; j < D; j++) pos += u[j] * tv[j];
      pos -= m.logQ(ex.target, 0, q.length * (m.counts[ex.target] || 1) / Math.max(1, m.totalCount));
      const logits = [pos];
      for (let c = 0; c < negs.length; c++) {
        if (negs[c] === ex.target) continue;
        let s = 0;
        for (let j = 0; j < D; j++) s += u[j] * nv[c * D + j];
        logits.push(s - lq[c]);
      }
      const mx = Math.max(...logits);
      let z = 0;
      for (const l of logits) z += Math.exp(l - mx);
      const logp = logits[0] - mx - Math.log(z);
      let ent = 0;
      for (const l of logits) {
        const p = Math.exp(l - mx) / z;
        if (p > 0) ent -= p * Math.log(p);
      }
      out[i] = -logp + 0.1 * ent;
    });
    return out;
  }

  private trainModel(model: TwoTowerModel, examples: TrainExample[], distiller: Distiller | undefined, lrScale: number): { ok: boolean; loss: number; n: number } {
    const bs = model.cfg.batchSize;
    let loss = 0;
    let batches = 0;
    for (let i = 0; i < examples.length; i += bs) {
      const batch = examples.slice(i, i + bs);
      const { items, q } = this.sampler.sample(model.cfg.negatives, this.rng);
      const r = model.trainBatch(batch, items, q, distiller, lrScale);
      if (!r.finite) return { ok: false, loss: r.loss, n: i };
      loss += r.loss;
      batches++;
    }
    return { ok: true, loss: batches ? loss / batches : 0, n: examples.length };
  }

  private shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  private replay(k: number): TrainExample[] {
    const out: TrainExample[] = [];
    if (this.reservoir.length === 0) return out;
    for (let i = 0; i < k; i++) {
      const ex = this.reservoir[this.rng.int(this.reservoir.length)];
      out.push(ex.weight === 1 ? ex : { ...ex, weight: 1 });
    }
    return out;
  }

  private remember(examples: readonly TrainExample[]): void {
    for (const ex of examples) {
      this.seen++;
      if (this.reservoir.length < this.opts.replaySize) this.reservoir.push(ex);
      else {
        const j = this.rng.int(this.seen);
        if (j < this.opts.replaySize) this.reservoir[j] = ex;
      }
    }
  }

  /** Builds the training set of a step: selected pool + replay, repeated for small windows. */
  private stepSet(selected: TrainExample[]): TrainExample[] {
    const base = selected.concat(this.replay(Math.ceil(selected.length * this.opts.replayRatio)));
    const passes = Math.max(1, Math.min(this.opts.maxPasses, Math.ceil(this.opts.minStepExamples / Math.max(1, base.length))));
    let set: TrainExample[] = [];
    for (let p = 0; p < passes; p++) set = set.concat(this.shuffle(base.slice()));
    return set;
  }

  /**
   * One continual-learning step on the samples added since the last step (or `samples`, when given): warm-starts from
   * the current weights, mixes in replay, and rolls the whole step back when any weight turns non-finite.
   */
  step(samples?: readonly TrainExample[], lrScale = 1): StepReport {
    const t0 = Date.now();
    if (samples) for (const ex of samples) this.addSample(ex);
    const pool = this.pending;
    const report: StepReport = { accepted: true, skipped: false, pool: pool.length, selected: 0, examples: 0, loss: 0, seconds: 0, teacherStepped: false };
    if (pool.length === 0) {
      report.skipped = true;
      return report;
    }
    this.sampler.rebuild();
    this.steps++;
    // teacher: trains less often, on everything since its last step
    if (this.teacher && this.distiller && this.steps % this.opts.teacherEvery === 1 % this.opts.teacherEvery) {
      const tset = this.stepSet(this.teacherPending);
      this.teacher.begin();
      const tr = this.trainModel(this.teacher, tset, undefined, lrScale);
      if (tr.ok && this.teacher.changedWeightsFinite()) {
        this.teacher.commit();
        this.distiller.refresh();
        report.teacherStepped = true;
      } else this.teacher.rollback();
      this.teacherPending = [];
    }
    let selected: TrainExample[] = pool;
    if (this.opts.selection !== 'all' && this.opts.budget < 1) {
      const scores = this.opts.selection === 'active' ? this.sampleScores(pool) : new Float64Array(pool.length).fill(1);
      const sel = selectSamples(this.opts.selection, scores, this.opts.budget, this.rng);
      selected = sel.indices.map((i, t) => ({ ...pool[i], weight: sel.weights[t] }));
    }
    report.selected = selected.length;
    // the memory weight is chosen on window samples not learned from yet: for a small (hourly) window, a few of its
    // samples before the step; for a large one (a first or catch-up step), its newest samples after the towers took
    // their one pass and the memory learnt the rest (the towers saw them once among thousands; the memory not at all)
    const holdout = this.opts.memory && pool.length > 400 ? 32 : 0;
    const ts = Date.now();
    this.student.begin();
    if (this.opts.memory && holdout === 0) this.observeMixer(pool, this.opts.mixSamples);
    const r = this.trainModel(this.student, this.stepSet(selected), this.distiller ?? undefined, lrScale);
    // the memory counts every sample of the window (counts cannot turn non-finite, so a rejected tower step keeps them)
    let learnt = 0;
    if (holdout > 0 && r.ok) {
      learnt = pool.length - holdout;
      for (const ex of pool.slice(0, learnt)) this.memory.learn(ex.hist, ex.target);
      this.vectorsStale = true;
      this.observeMixer(pool.slice(learnt), holdout);
    }
    if (this.opts.memory) for (const ex of pool.slice(learnt)) this.memory.learn(ex.hist, ex.target);
    this.trainSeconds += (Date.now() - ts) / 1000;
    this.trainedExamples += r.n;
    report.examples = r.n;
    report.loss = r.loss;
    if (!r.ok || !this.student.changedWeightsFinite()) {
      this.student.rollback();
      report.accepted = false;
      report.reason = 'non-finite weights';
    } else this.student.commit();
    this.remember(pool);
    this.pending = [];
    this.vectorsStale = true;
    report.seconds = (Date.now() - t0) / 1000;
    return report;
  }

  /**
   * Ranks up to `n` samples (not trained on yet) against the whole catalog under each memory weight of the grid.
   * Uses the item vectors of a recent step (refreshed at least every 50 steps): the weight moves slowly.
   */
  private observeMixer(samples: readonly TrainExample[], n: number): void {
    if (samples.length === 0) return;
    if (this.vectorsStale && (this.vectorsStep < 0 || this.steps - this.vectorsStep >= 50 || n > 8)) this.itemVectors();
    const { vectors, dim } = this.vectors.length > 0 ? { vectors: this.vectors, dim: this.student.vectorDim } : this.itemVectors();
    const allowed = this.catalog.active;
    const picks = samples.length <= n ? samples : Array.from({ length: n }, () => samples[this.rng.int(samples.length)]);
    // every pick's scores in one tfjs matMul: items [N, D] x users^T [D, P] (item-major, so no transpose of the items)
    const P = picks.length;
    const N = vectors.length / dim;
    const UT = new Float32Array(dim * P);
    picks.forEach((ex, i) => {
      const u = this.student.userVector(ex.hist, ex.ctxKeys);
      for (let j = 0; j < dim; j++) UT[j * P + i] = u[j];
    });
    const St = tf.tidy(() => tf.matMul(tf.tensor2d(vectors, [N, dim]), tf.tensor2d(UT, [dim, P])));
    const S = St.dataSync() as Float32Array;
    St.dispose();
    const dots = new Float32Array(N);
    picks.forEach((ex, i) => {
      for (let x = 0; x < N; x++) dots[x] = S[x * P + i];
      this.mixer.observe(dots, ex.hist, ex.target, this.memory, new Set(ex.hist), allowed);
    });
  }

  /** Student scores of every catalog item for a user: two-tower dot product + beta * log(1 + memory score). */
  scoreAll(hist: ArrayLike<number>, ctxKeys: readonly number[]): Float32Array {
    const v = this.itemVectors();
    const scores = dotAll(this.student.userVector(hist, ctxKeys), v.vectors, v.dim);
    if (this.opts.memory) this.memory.boost(hist, this.mixer.beta, scores);
    return scores;
  }

  /** Top-k catalog indices for a user (recent positives most recent first). */
  recommend(hist: ArrayLike<number>, ctxKeys: readonly number[], o: TopKOptions): number[] {
    return topKOfScores(this.scoreAll(hist, ctxKeys), { allowed: this.catalog.active, ...o }).map((x) => x.index);
  }

  /** Student item vectors as of the last step; items added since are computed from their content with the same weights. */
  itemVectors(): { vectors: Float32Array; count: number; dim: number } {
    const D = this.student.vectorDim;
    if (this.vectorsStale) {
      this.vectors = this.student.itemVectors();
      this.vectorCount = this.catalog.size;
      this.vectorsStale = false;
      this.vectorsStep = this.steps;
      this.changedItems.clear();
    }
    if (this.changedItems.size > 0) {
      // a new array, so holders of the previous one (e.g. an int8 copy keyed by identity) see the change
      const changed = Array.from(this.changedItems);
      const v = this.student.itemVectors(changed);
      const all = this.vectors.slice();
      changed.forEach((idx, t) => all.set(v.subarray(t * D, (t + 1) * D), idx * D));
      this.vectors = all;
      this.changedItems.clear();
    }
    if (this.vectorCount < this.catalog.size) {
      const extra = Array.from({ length: this.catalog.size - this.vectorCount }, (_, i) => this.vectorCount + i);
      const v = this.student.itemVectors(extra);
      const all = new Float32Array(this.catalog.size * D);
      all.set(this.vectors.subarray(0, this.vectorCount * D));
      all.set(v, this.vectorCount * D);
      this.vectors = all;
      this.vectorCount = this.catalog.size;
    }
    return { vectors: this.vectors, count: this.vectorCount, dim: D };
  }

  private teacherVecs: { vectors: Float32Array; dim: number; version: number; count: number } | null = null;

  /** Teacher item vectors (its last step), for evaluating the teacher itself. */
  teacherItemVectors(): { vectors: Float32Array; dim: number } | null {
    if (!this.teacher || !this.distiller) return null;
    const tv = this.teacherVecs;
    if (tv && tv.version === this.distiller.version && tv.count === this.catalog.size) return tv;
    const D = this.teacher.vectorDim;
    const vectors = this.teacher.itemVectors();
    this.teacherVecs = { vectors, dim: D, version: this.distiller.version, count: this.catalog.size };
    return this.teacherVecs;
  }
}
