/**
 * Continual learner: a student two-tower model (optionally distilled from a teacher that trains less often) with a
 * transition memory as its wide half, a replay reservoir against forgetting, active-learning selection of the window's
 * pool, and steps that warm-start from the current weights and are rejected as a whole when the weights turn non-finite.
 *
 * Deterministic: the same samples, options (seed included) and tfjs backend give the same weights and choices; what a
 * learner does depends on nothing else (not on wall time, nor on when its vectors were read), and `state()` is all of it.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { HeldOutAccumulator, rankOf, type HeldOutMetrics } from '../core/ranking';
import { dotAll, topKOfScores, type TopKOptions } from '../core/vectors';
import type { Catalog } from '../features/catalog';
import type { TrainExample } from '../features/example';
import { studentConfig, teacherConfig, type TowerConfig } from '../model/config';
import { ItemRegression, type RegressionOptions, type RegressionState } from '../model/item-regression';
import { MemoryMixer, MIX_HISTORY_BOUNDS, TransitionMemory, type MixerState, type TransitionState } from '../model/transitions';
import { TwoTowerModel, type Distiller, type TwoTowerState } from '../model/two-tower';
import { selectSamples, type SelectionMode } from './active';
import { ItemVectorCache, type ItemVectors } from './item-vector-cache';
import { NegativeSampler } from './negative-sampler';
import { ReplayReservoir, type ReservoirState } from './replay-reservoir';
import { sampleScores } from './sample-scores';

export { NegativeSampler } from './negative-sampler';

export interface LearnerOptions {
  student?: Partial<TowerConfig>;
  /** Teacher config overrides, or false for no teacher (no distillation). Default: none. */
  teacher?: Partial<TowerConfig> | false;
  /** The teacher steps once every this many student steps (on everything since its last step). Default 4. */
  teacherEvery?: number;
  /** Width of the catalog's image vectors the towers read. Default: the catalog's. */
  imageDim?: number;
  /** Samples kept in the replay reservoir. Default 20,000. */
  replaySize?: number;
  /** Replay samples per new sample. Default 0.5. */
  replayRatio?: number;
  /** A step trains at least this many examples (extra passes over small windows), up to maxPasses. Default 0. */
  minStepExamples?: number;
  /** Default 1. */
  maxPasses?: number;
  /** Default 'all'. */
  selection?: SelectionMode;
  /** Fraction of the window's pool trained on when selection is active or random. Default 0.3. */
  budget?: number;
  /** The transition memory (the student's wide half); false: the two-tower alone. Default true. */
  memory?: boolean;
  /** Weight of the memory's reverse direction (a positive on x after p also counts x -> p). Default 0.5. */
  memoryReverse?: number;
  /** Exponent of the memory's popularity discount of a candidate (n_x^-memoryPopularity). Default 0.3. */
  memoryPopularity?: number;
  /**
   * The item regression (the student's second wide half, model/item-regression: a closed-form item-to-item model refit
   * at steps): its options, or false for none. Default on with REGRESSION_DEFAULTS.
   */
  regression?: Partial<RegressionOptions> | boolean;
  /**
   * Held-out window samples ranked per step (at most, drawn without replacement) to choose the wide halves' weights.
   * Default 256.
   */
  mixSamples?: number;
  /**
   * A step whose window holds fewer than MIX_MIN_WINDOW samples ranks them only when this many steps passed since the
   * mixer last ranked (ranking costs every item's vector: tiny windows need not pay it at every step). Default 8.
   */
  mixEvery?: number;
  /** Decay per ranked sample of the mixer's gains. Default 0.998. */
  mixDecay?: number;
  /** Seed of the learner's random draws (negatives, replay, selection, shuffles). Default 1. */
  seed?: number;
  /**
   * The towers (student and teacher) also train on repeats: positives on an item already among the user's recent
   * positives (a re-buy). Default false: recommendations leave a user's seen items out, so the towers learn what is
   * asked of them, a user's next new item; the wide halves count every positive either way.
   */
  towerRepeats?: boolean;
}

/** A user's wide-half terms (ContinualLearner.wideTerms): items and their unweighted memory and regression scores. */
export interface WideTerms {
  /** The user's recent positives (which weights of the mixer apply). */
  histLength: number;
  memoryItems: number[];
  memory: number[];
  regressionItems: number[];
  regression: number[];
}

export interface StepReport {
  accepted: boolean;
  skipped: boolean;
  /** Samples of the step's window (every one learnt by the wide halves). */
  pool: number;
  /** Of them, repeats the towers did not train on (see `towerRepeats`). */
  repeats: number;
  /** Samples the towers were chosen to train on (before replay). */
  selected: number;
  examples: number;
  loss: number;
  seconds: number;
  teacherStepped: boolean;
  reason?: string;
}

/** Active selection scores at most this many times its budget of samples (a uniform sample of a larger pool). */
export const ACTIVE_PRESAMPLE = 4;

/** The seed of a learner's selection generator: its own stream beside the learner's `seed`. */
function selectionSeed(seed: number): number {
  return (seed ^ 0x5e1ec7ed) >>> 0;
}

/** Per-step choices of the caller (a trainer's configuration), over the learner's own options. */
export interface StepOptions {
  /** Selection of the window's pool for this step; default the learner's `selection`. */
  selection?: SelectionMode;
  /**
   * Most examples the student trains on in this step (chosen samples plus their replay); the teacher's backlog is held
   * to the same number of samples. With selection `all` the window is trained on whole. Default: the learner's `budget`
   * fraction.
   */
  maxExamples?: number;
}

/** A window of at least this many samples always has them ranked for the mixer (see `mixEvery`). */
export const MIX_MIN_WINDOW = 4;
/** The mixer's picks are scored against the catalog this many at a time. */
const MIX_CHUNK = 64;

export const LEARNER_DEFAULTS = {
  teacherEvery: 4,
  replaySize: 20_000,
  replayRatio: 0.5,
  minStepExamples: 0,
  maxPasses: 1,
  memory: true,
  memoryReverse: 0.5,
  memoryPopularity: 0.3,
  regression: true as Partial<RegressionOptions> | boolean,
  mixSamples: 256,
  mixEvery: 8,
  selection: 'all' as SelectionMode,
  budget: 0.3,
  seed: 1,
  towerRepeats: false,
};

/** A learner's options with every default filled in. */
export type ResolvedLearnerOptions = typeof LEARNER_DEFAULTS & LearnerOptions;

/**
 * Everything a learner needs to continue as if it had never stopped (the catalog aside: it is shared, and travels
 * with the learner checkpoint). Examples are shared with the learner, not copied.
 */
export interface LearnerState {
  opts: ResolvedLearnerOptions;
  student: TwoTowerState;
  teacher: TwoTowerState | null;
  memory: TransitionState;
  /** The item regression's state; null without one (absent in a state of a learner before it). */
  regression?: RegressionState | null;
  mixer: MixerState;
  reservoir: ReservoirState;
  /** The learner's random generator (Rng.state). */
  rng: number;
  /**
   * The generator of the window's selection (active scoring's negatives, the narrowing, the order of the systematic
   * sampling), apart from `rng` so that selections by score and at random move the other draws alike (absent in a
   * state before it: seeded afresh).
   */
  selectionRng?: number;
  steps: number;
  /** Steps since the mixer last ranked held-out samples (absent in a state before `mixEvery`: 0). */
  sinceMix?: number;
  /** Samples added since the last accepted step (trained on at the next one). */
  pending: TrainExample[];
  /** Samples the teacher has not stepped on yet. */
  teacherPending: TrainExample[];
}

/**
 * A held-out positive for `evaluate`: the user's features just before it (as a TrainExample has them) and the items
 * not ranked for this user (their seen items).
 */
export interface HeldOutSample {
  /** Recent positive item indices, most recent first. */
  hist: Int32Array;
  ctxKeys: readonly number[];
  target: number;
  /** Catalog indices never ranked (the user's positives before this one); the target is ranked regardless. */
  exclude: ReadonlySet<number>;
}

class TeacherDistiller implements Distiller {
  constructor(readonly model: TwoTowerModel) {}
  scoresFor(examples: readonly TrainExample[], candidates: Int32Array): Float32Array {
    return this.model.scoresFor(examples, candidates);
  }
}

export class ContinualLearner {
  readonly student: TwoTowerModel;
  readonly teacher: TwoTowerModel | null;
  readonly opts: ResolvedLearnerOptions;
  private readonly distiller: TeacherDistiller | null;
  private pending: TrainExample[] = [];
  private teacherPending: TrainExample[] = [];
  private readonly reservoir: ReplayReservoir;
  private steps = 0;
  private sinceMix = 0;
  private readonly rng: Rng;
  private readonly selectionRng: Rng;
  private readonly sampler: NegativeSampler;
  private readonly vectorCache: ItemVectorCache;
  private readonly teacherVectorCache: ItemVectorCache | null;
  /** The student's wide half: item -> item transitions, learned at each step; and the weight it is mixed in with. */
  readonly memory: TransitionMemory;
  /** The second wide half: a closed-form item-to-item regression refit at steps (null when off). */
  readonly regression: ItemRegression | null;
  readonly mixer: MemoryMixer;
  /** Examples trained by the student and seconds spent doing so (throughput; not part of the state). */
  trainedExamples = 0;
  trainSeconds = 0;

  /**
   * @param catalog the catalog the models index (shared with the features)
   * @param opts overrides of LEARNER_DEFAULTS
   * @param from a state to continue from (see `fromState`); its options replace `opts`
   */
  constructor(
    readonly catalog: Catalog,
    opts: LearnerOptions = {},
    from?: LearnerState,
  ) {
    this.opts = from ? { ...from.opts } : { ...LEARNER_DEFAULTS, ...opts };
    const o = this.opts;
    const imageDim = o.imageDim ?? catalog.imageDim;
    this.mixer = new MemoryMixer(1, o.mixDecay ?? 0.998);
    if (from) {
      this.student = TwoTowerModel.fromState(from.student, catalog);
      this.teacher = from.teacher ? TwoTowerModel.fromState(from.teacher, catalog) : null;
      this.memory = TransitionMemory.fromState(from.memory);
      this.regression = from.regression ? ItemRegression.fromState(from.regression) : null;
      this.mixer.restore(from.mixer);
      this.reservoir = ReplayReservoir.fromState(from.reservoir);
      this.rng = new Rng(o.seed);
      this.rng.state = from.rng;
      this.selectionRng = new Rng(selectionSeed(o.seed));
      if (from.selectionRng !== undefined) this.selectionRng.state = from.selectionRng;
      this.steps = from.steps;
      this.sinceMix = from.sinceMix ?? 0;
      this.pending = from.pending.slice();
      this.teacherPending = from.teacherPending.slice();
    } else {
      this.student = new TwoTowerModel(studentConfig({ imageDim, ...o.student }), catalog);
      this.teacher = o.teacher === false || o.teacher === undefined ? null : new TwoTowerModel(teacherConfig({ imageDim, ...o.teacher }), catalog);
      this.memory = new TransitionMemory(10, 200, o.memoryReverse, o.memoryPopularity);
      this.regression = o.regression === false ? null : new ItemRegression(o.regression === true || o.regression === undefined ? {} : o.regression);
      this.reservoir = new ReplayReservoir(o.replaySize);
      this.rng = new Rng(o.seed);
      this.selectionRng = new Rng(selectionSeed(o.seed));
    }
    this.distiller = this.teacher ? new TeacherDistiller(this.teacher) : null;
    this.sampler = new NegativeSampler(() => this.student.counts, () => catalog.size);
    this.vectorCache = new ItemVectorCache(this.student, catalog);
    this.teacherVectorCache = this.teacher ? new ItemVectorCache(this.teacher, catalog) : null;
  }

  /** A learner that continues from `s` exactly, on `catalog` (the one the state was taken with, or its restored copy). */
  static fromState(s: LearnerState, catalog: Catalog): ContinualLearner {
    return new ContinualLearner(catalog, s.opts, s);
  }

  /** Everything the learner has learnt and will do next (see LearnerState); the weights are copied, the examples shared. */
  state(): LearnerState {
    return {
      opts: { ...this.opts },
      student: this.student.state(),
      teacher: this.teacher ? this.teacher.state() : null,
      memory: this.memory.state(),
      regression: this.regression ? this.regression.state() : null,
      mixer: this.mixer.state(),
      reservoir: this.reservoir.state(),
      rng: this.rng.state,
      selectionRng: this.selectionRng.state,
      steps: this.steps,
      sinceMix: this.sinceMix,
      pending: this.pending.slice(),
      teacherPending: this.teacherPending.slice(),
    };
  }

  private models(): TwoTowerModel[] {
    return this.teacher ? [this.student, this.teacher] : [this.student];
  }

  /** A new product (or changed content): its tokens become known to the models. */
  addProduct(itemIdx: number): void {
    for (const m of this.models()) m.observeContent(itemIdx);
    this.vectorCache.changed(itemIdx);
    this.teacherVectorCache?.changed(itemIdx);
  }

  /** A new positive sample: counted at once (tables grow for new ids), trained on at the next step. */
  addSample(ex: TrainExample): void {
    for (const m of this.models()) {
      m.observePositive(ex.target);
      m.observeContext(ex.ctxKeys);
    }
    this.pending.push(ex);
    if (this.teacher && this.towersTrainOn(ex)) this.teacherPending.push(ex);
  }

  /** Whether the towers train on this sample: always with `towerRepeats`, else unless it repeats a recent positive. */
  private towersTrainOn(ex: TrainExample): boolean {
    return this.opts.towerRepeats === true || !ex.hist.includes(ex.target);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Steps accepted so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Per-sample loss + uncertainty scores under the current student (forward only; moves the selection's draws). */
  sampleScores(pool: readonly TrainExample[]): Float64Array {
    return sampleScores(this.student, this.sampler, this.selectionRng, pool);
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

  /** Builds the training set of a step: selected pool + replay, repeated for small windows. */
  private stepSet(selected: TrainExample[]): TrainExample[] {
    const base = selected.concat(this.reservoir.draw(Math.ceil(selected.length * this.opts.replayRatio), this.rng));
    const passes = Math.max(1, Math.min(this.opts.maxPasses, Math.ceil(this.opts.minStepExamples / Math.max(1, base.length))));
    let set: TrainExample[] = [];
    for (let p = 0; p < passes; p++) set = set.concat(this.shuffle(base.slice()));
    return set;
  }

  /**
   * One continual-learning step on the samples added since the last step (and `samples`, when given): warm-starts
   * from the current weights and mixes in replay. When any weight turns non-finite the whole step is undone: the
   * student's and the teacher's weights, the memory, the mixer, the reservoir, the random draws and the step count are
   * as they were when the step began, and the window stays pending (the next step trains on it with what arrives).
   * A teacher step that fails alone is undone alone; the teacher keeps its samples for its next step.
   */
  step(samples?: readonly TrainExample[], lrScale = 1, o: StepOptions = {}): StepReport {
    const t0 = Date.now();
    if (samples) for (const ex of samples) this.addSample(ex);
    // the window: every sample the wide halves learn; the pool: those the towers may train on
    const window = this.pending;
    const pool = this.opts.towerRepeats === true ? window : window.filter((ex) => this.towersTrainOn(ex));
    const mode = o.selection ?? this.opts.selection;
    // a budget in examples: the window's share chosen so that chosen samples plus their replay fit it
    const chosenMax = o.maxExamples !== undefined ? Math.max(1, Math.floor(o.maxExamples / (1 + this.opts.replayRatio))) : Number.POSITIVE_INFINITY;
    const budget = o.maxExamples !== undefined ? Math.min(1, chosenMax / Math.max(1, pool.length)) : this.opts.budget;
    const report: StepReport = { accepted: true, skipped: false, pool: window.length, repeats: window.length - pool.length, selected: 0, examples: 0, loss: 0, seconds: 0, teacherStepped: false };
    if (window.length === 0) {
      report.skipped = true;
      return report;
    }
    const before = { rng: this.rng.state, selectionRng: this.selectionRng.state, steps: this.steps, mixer: this.mixer.state(), sinceMix: this.sinceMix };
    this.sampler.rebuild();
    this.steps++;
    // teacher: trains less often, on everything since its last step; committed with the student's step
    let teacherOpen = false;
    if (this.teacher && this.steps % this.opts.teacherEvery === 1 % this.opts.teacherEvery) {
      // the teacher's backlog (several windows) is held to the same budget by a uniform sample
      const backlog = mode !== 'all' && this.teacherPending.length > chosenMax ? this.shuffle(this.teacherPending.slice()).slice(0, chosenMax) : this.teacherPending;
      const tset = this.stepSet(backlog);
      this.teacher.begin();
      const tr = this.trainModel(this.teacher, tset, undefined, lrScale);
      if (tr.ok && this.teacher.changedWeightsFinite()) {
        teacherOpen = true;
        report.teacherStepped = true;
      } else this.teacher.rollback();
      this.teacherVectorCache?.invalidate();
    }
    let selected: TrainExample[] = pool;
    if (mode !== 'all' && budget < 1 && pool.length > 0) {
      // Scoring a sample costs a forward pass: a pool far beyond the budget is first narrowed to a uniform sample of
      // ACTIVE_PRESAMPLE times the budget, and the loss-proportional choice is made within it. Uniform narrowing keeps
      // every sample's inclusion probability proportional to its probability within the narrowed pool, so the 1/p
      // weights (normalised per batch) stay right.
      // the systematic start from the learner's draws (one per step, whatever the mode): active and random choose
      // equally many of a pool, so their other draws stay alike; the rest of the selection draws from its own stream
      const u = this.rng.next();
      let candidates: readonly TrainExample[] = pool;
      let within = budget;
      const want = budget * pool.length;
      if (mode === 'active' && pool.length > ACTIVE_PRESAMPLE * want) {
        const m = Math.ceil(ACTIVE_PRESAMPLE * want);
        candidates = Array.from(this.selectionRng.distinct(pool.length, m), (i) => pool[i]);
        within = want / m;
      }
      const scores = mode === 'active' ? this.sampleScores(candidates) : new Float64Array(candidates.length).fill(1);
      const sel = selectSamples(mode, scores, within, this.selectionRng, u);
      selected = sel.indices.map((i, t) => ({ ...candidates[i], weight: sel.weights[t] }));
    }
    report.selected = selected.length;
    // the memory weight is chosen on window samples not learned from yet: for a small (hourly) window, a few of its
    // samples before the step; for a large one (a first or catch-up step), its newest samples after the towers took
    // their one pass and the memory learnt the rest (the towers saw them once among thousands; the memory not at all)
    const holdout = this.opts.memory && pool.length > 400 ? 32 : 0;
    const ts = Date.now();
    this.student.begin();
    if (this.opts.memory && holdout === 0) {
      if (pool.length >= MIX_MIN_WINDOW || this.sinceMix + 1 >= (this.opts.mixEvery ?? 1)) {
        this.observeMixer(window, this.opts.mixSamples);
        this.sinceMix = 0;
      } else this.sinceMix++;
    }
    const r = this.trainModel(this.student, this.stepSet(selected), this.distiller ?? undefined, lrScale);
    this.trainedExamples += r.n;
    report.examples = r.n;
    report.loss = r.loss;
    if (!r.ok || !this.student.changedWeightsFinite()) {
      this.student.rollback();
      if (teacherOpen && this.teacher) this.teacher.rollback();
      this.rng.state = before.rng;
      this.selectionRng.state = before.selectionRng;
      this.steps = before.steps;
      this.sinceMix = before.sinceMix;
      this.mixer.restore(before.mixer);
      // the cache holds vectors of the weights now restored, or is stale: either is right
      this.teacherVectorCache?.invalidate();
      this.trainSeconds += (Date.now() - ts) / 1000;
      report.accepted = false;
      report.teacherStepped = false;
      report.reason = 'non-finite weights';
      report.seconds = (Date.now() - t0) / 1000;
      return report;
    }
    let learnt = 0;
    if (holdout > 0) {
      // held out for the mixer: the pool's newest samples (with the repeats among them, which it leaves out)
      learnt = window.indexOf(pool[pool.length - holdout]);
      this.learnWide(window.slice(0, learnt));
      this.vectorCache.invalidate();
      this.observeMixer(window.slice(learnt), holdout);
      this.sinceMix = 0;
    }
    this.learnWide(window.slice(learnt));
    this.student.commit();
    if (teacherOpen && this.teacher) {
      this.teacher.commit();
      this.teacherPending = [];
    }
    this.trainSeconds += (Date.now() - ts) / 1000;
    this.reservoir.add(pool, this.rng);
    this.pending = [];
    // a large step's mixer computed the vectors of the final weights already
    if (holdout === 0) this.vectorCache.invalidate();
    report.seconds = (Date.now() - t0) / 1000;
    return report;
  }

  /** The wide halves learn samples: the memory counts them, the regression counts them and refits when due. */
  private learnWide(samples: readonly TrainExample[]): void {
    if (this.opts.memory) for (const ex of samples) this.memory.learn(ex.hist, ex.target);
    if (this.regression) {
      for (const ex of samples) this.regression.learn(ex.hist, ex.target);
      this.regression.maybeRefit();
    }
  }

  /**
   * Ranks up to `n` samples (not trained on yet) against the whole catalog under each memory weight of the grid, with
   * the item vectors of the current weights computed over the whole catalog at once (so the choice does not depend on
   * when the vectors were read before).
   */
  private observeMixer(window: readonly TrainExample[], n: number): void {
    // the weights are chosen for what the model is asked: items new to the user (a repeat of a recent positive is
    // left out, as recommendations and the protocol leave seen items out)
    const samples = window.filter((ex) => !ex.hist.includes(ex.target));
    if (samples.length === 0) return;
    const { vectors, dim } = this.vectorCache.exact();
    const allowed = this.catalog.active;
    // n of them without replacement (a partial shuffle), in window order
    const picks = samples.length <= n ? samples : Array.from(this.rng.distinct(samples.length, n), (i) => samples[i]);
    // the picks' scores by tfjs matMuls of items [N, D] x users^T [D, P] (item-major, so no transpose of the items), in
    // chunks of MIX_CHUNK picks (the scores of a chunk are N x P floats)
    const N = vectors.length / dim;
    const items = tf.tensor2d(vectors, [N, dim]);
    const dots = new Float32Array(N);
    for (let c0 = 0; c0 < picks.length; c0 += MIX_CHUNK) {
      const chunk = picks.slice(c0, c0 + MIX_CHUNK);
      const P = chunk.length;
      const UT = new Float32Array(dim * P);
      chunk.forEach((ex, i) => {
        const u = this.student.userVector(ex.hist, ex.ctxKeys);
        for (let j = 0; j < dim; j++) UT[j * P + i] = u[j];
      });
      const St = tf.tidy(() => tf.matMul(items, tf.tensor2d(UT, [dim, P])));
      const S = St.dataSync() as Float32Array;
      St.dispose();
      chunk.forEach((ex, i) => {
        for (let x = 0; x < N; x++) dots[x] = S[x * P + i];
        this.mixer.observe(dots, ex.hist, ex.target, this.memory, new Set(ex.hist), allowed, this.regression);
      });
    }
    items.dispose();
  }

  /**
   * Student scores of every catalog item for a user: two-tower dot product + beta * log(1 + memory score) + gamma *
   * regression score.
   */
  scoreAll(hist: ArrayLike<number>, ctxKeys: readonly number[]): Float32Array {
    const v = this.itemVectors();
    const scores = dotAll(this.student.userVector(hist, ctxKeys), v.vectors, v.dim);
    this.boostWide(hist, scores);
    return scores;
  }

  /**
   * The wide halves and their weights as an artifact ships them (serving/artifact ArtifactMemory): the transition
   * memory with beta, the item regression with gamma (null when off); `maxNeighbours` per item of each (default: the
   * artifact's bound for the memory, all of the regression's).
   */
  wideHalves(maxNeighbours?: number): {
    memory: TransitionMemory;
    beta: number;
    maxNeighbours?: number;
    regression: { table: ItemRegression; gamma: number; maxNeighbours?: number } | null;
    byHistory: { bounds: readonly number[]; beta: number[]; gamma: number[] };
  } {
    const w = this.mixer.weights();
    return {
      memory: this.memory,
      beta: this.mixer.beta,
      byHistory: { bounds: MIX_HISTORY_BOUNDS, beta: w.bucketBeta, gamma: w.bucketGamma },
      ...(maxNeighbours !== undefined ? { maxNeighbours } : {}),
      regression: this.regression ? { table: this.regression, gamma: this.mixer.gamma, ...(maxNeighbours !== undefined ? { maxNeighbours } : {}) } : null,
    };
  }

  /** Adds the wide halves' terms to a user's two-tower scores (the student's full score). */
  boostWide(hist: ArrayLike<number>, scores: Float32Array | Float64Array): void {
    this.addWide(this.wideTerms(hist), scores);
  }

  /**
   * The wide halves' unweighted terms for a user, read once to be added to several score arrays (`addWide`): the
   * memory's m(x) and the regression's r(x), each in the order `boostWide` adds them.
   */
  wideTerms(hist: ArrayLike<number>): WideTerms {
    const t: WideTerms = { histLength: hist.length, memoryItems: [], memory: [], regressionItems: [], regression: [] };
    if (this.opts.memory) {
      this.memory.forEach(hist, (x, m) => {
        t.memoryItems.push(x);
        t.memory.push(m);
      });
    }
    this.regression?.forEach(hist, (x, r) => {
      t.regressionItems.push(x);
      t.regression.push(r);
    });
    return t;
  }

  /**
   * Adds `wideTerms` to scores with weights beta and gamma (default the mixer's for the user's history, as
   * `boostWide`): beta * log(1 + m(x)) + gamma * r(x), each half as its own `boost` adds it; with beta 1 and gamma 0 on
   * zeros, the memory alone, and so on.
   */
  addWide(t: WideTerms, scores: Float32Array | Float64Array, beta = this.mixer.weightsFor(t.histLength)[0], gamma = this.mixer.weightsFor(t.histLength)[1]): void {
    if (beta !== 0) {
      for (let i = 0; i < t.memoryItems.length; i++) {
        const x = t.memoryItems[i];
        if (x < scores.length) scores[x] += beta * Math.log1p(t.memory[i]);
      }
    }
    if (gamma !== 0) {
      for (let i = 0; i < t.regressionItems.length; i++) {
        const x = t.regressionItems[i];
        if (x < scores.length) scores[x] += gamma * t.regression[i];
      }
    }
  }

  /** Top-k catalog indices for a user (recent positives most recent first). */
  recommend(hist: ArrayLike<number>, ctxKeys: readonly number[], o: TopKOptions): number[] {
    return topKOfScores(this.scoreAll(hist, ctxKeys), { allowed: this.catalog.active, ...o }).map((x) => x.index);
  }

  /**
   * HR@k, NDCG@k and the full-catalog log-loss of the current student (the score of `recommend`) on held-out samples
   * it has not learned from: each target ranked against the whole catalog, the sample's `exclude` left out and deleted
   * items skipped, as the evaluation protocol ranks (a deleted target counts as a miss: top-k never returns it).
   * Changes nothing. Default k: 10.
   */
  evaluate(samples: readonly HeldOutSample[], k = 10): HeldOutMetrics {
    const acc = new HeldOutAccumulator();
    const allowed = this.catalog.active;
    for (const s of samples) {
      const scores = this.scoreAll(s.hist, s.ctxKeys);
      acc.add(rankOf(scores, s.target, k, s.exclude, allowed));
    }
    return acc.result();
  }

  /** Student item vectors as of the last step; items added since are computed from their content with the same weights. */
  itemVectors(): ItemVectors {
    return this.vectorCache.current();
  }

  /**
   * Teacher item vectors as of its last step (items added since computed from their content with the same weights),
   * for evaluating the teacher itself: recomputed in whole only after a teacher step (every `teacherEvery` steps).
   */
  teacherItemVectors(): { vectors: Float32Array; dim: number } | null {
    return this.teacherVectorCache ? this.teacherVectorCache.current() : null;
  }
}
