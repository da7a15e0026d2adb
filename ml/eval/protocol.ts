/**
 * The evaluation protocol of CONTRACT section 6, in one process: prequential HR@k / NDCG@k of the system (continual
 * student distilled from a teacher) and, on the same events, the popular / cooccur / knn / static baselines, plus the
 * teacher, active-vs-random selection at equal budget and int8-vs-fp32 item vectors; optionally the EASE baseline
 * (`easeRecent`).
 */
import { isPositive, type InteractionEvent, type MlEvent } from '../core/events';
import { ProgressBar } from '../core/progress';
import * as tf from '@tensorflow/tfjs';
import { int8RoundTrip, topKOfScores, transposeRows } from '../core/vectors';
import { CooccurBaseline, KnnBaseline, PopularBaseline } from './baselines';
import { EaseBaseline, type EaseOptions } from './ease';
import { currentBackend } from '../core/backend';
import { ContinualLearner, type HeldOutSample, type LearnerOptions, type WideTerms } from '../train/learner';
import { FeatureState } from '../features/state';
import type { TwoTowerModel } from '../model/two-tower';
import type { TrainExample } from '../features/example';

/**
 * Which scorers a run computes: `all`; `main`, the system (student, teacher, int8, its halves alone) and the popular,
 * cooccur and knn baselines; `side`, the rest (active and random selection, static, easeRecent). Each part replays
 * every event with its own features, so `main` and `side` merged (mergeEvalReports) are the report of `all`.
 */
export type EvalPart = 'all' | 'main' | 'side';

export interface EvalOptions {
  /** Default `all`. */
  part?: EvalPart;
  stepHours?: number;
  k?: number;
  imageDim?: number;
  learner?: LearnerOptions;
  /** Also evaluate active vs random selection at this budget (default 0.3; 0 disables). */
  compareBudget?: number;
  /** The seed of both learners of the active-vs-random comparison (the same for both). Default 2. */
  compareSeed?: number;
  /** Epochs of the one-off static training at the end of the first half. */
  staticEpochs?: number;
  progress?: boolean;
  /** Score only every n-th eligible positive (all systems alike); 1 = every one (the protocol). */
  sampleEvery?: number;
  /** Train and score the teacher (and distil from it). Default true. */
  withTeacher?: boolean;
  /** Score the models once per window in batches (default) or at every query (the reference; same results). */
  batchScoring?: boolean;
  /** Train and score the static model. Default true. */
  withStatic?: boolean;
  /**
   * Also score the EASE baseline (`easeRecent`, see eval/ease.ts) on the same queries: true for its defaults (lambda
   * 300, a refit every 5,000 positives, the last 30 distinct positives), or its options. Default false (off: a refit
   * inverts an items x items or users x users matrix).
   */
  ease?: boolean | EaseOptions;
  /** The backend named in the report. Default: the one selected (core/backend), else tfjs's current one. */
  backend?: string;
  log?: (msg: string) => void;
  /**
   * Called for every scored query of the system, at the moment it is scored (the learner as the protocol ranks with
   * it), with the sample as `ContinualLearner.evaluate` takes it and whether the protocol counted a hit.
   */
  onSystemQuery?: (q: SystemQuery) => void;
}

/** One scored query of the system (see EvalOptions.onSystemQuery). */
export interface SystemQuery {
  learner: ContinualLearner;
  sample: HeldOutSample;
  hit: boolean;
  /** The protocol's top k, best first. */
  top: number[];
}

export interface Metric {
  hr: number;
  ndcg: number;
}

export interface EvalReport {
  events: number;
  k: number;
  results: Record<string, Metric>;
  trainExamplesPerSecond: number;
  wallSeconds: number;
  [extra: string]: unknown;
}

/** The report's `results`, in this order: the contract's names, then the opt-in EASE baseline. */
const RESULT_NAMES = ['system', 'popular', 'cooccur', 'knn', 'static', 'easeRecent'];
/** The results a main (or whole) run always reports. */
const MAIN_RESULTS = ['system', 'popular', 'cooccur', 'knn'];
/** The report's `comparisons`, in this order (each when computed). */
const COMPARISON_NAMES = ['teacher', 'active', 'random', 'activeTwoTower', 'randomTwoTower', 'fp32', 'int8', 'twoTower', 'memory', 'regression'];

/** The report's target ratios of HR@k (null where either side was not computed or is 0). */
function ratiosOf(m: Record<string, Metric>, withEase: boolean): Record<string, number | null> {
  const ratio = (a: string, b: string) => {
    const x = m[a]?.hr;
    const y = m[b]?.hr;
    return x !== undefined && y ? x / y : null;
  };
  return {
    systemOverKnn: ratio('system', 'knn'),
    systemOverStatic: ratio('system', 'static'),
    ...(withEase ? { systemOverEase: ratio('system', 'easeRecent') } : {}),
    studentOverTeacher: ratio('system', 'teacher'),
    activeOverRandom: ratio('active', 'random'),
    activeOverRandomTwoTower: ratio('activeTwoTower', 'randomTwoTower'),
    int8OverFp32: ratio('int8', 'fp32'),
  };
}

/**
 * The report of a whole run from the reports of its `main` and `side` parts over the same events and options (see
 * EvalPart): every figure as the whole run computes it; `wallSeconds` is the caller's (the parts may overlap).
 */
export function mergeEvalReports(main: EvalReport, side: EvalReport, wallSeconds: number): EvalReport {
  const byOrder = (names: string[], a: Record<string, Metric>, b: Record<string, Metric>) => {
    const out: Record<string, Metric> = {};
    for (const n of names) if (a[n] || b[n]) out[n] = a[n] ?? b[n];
    return out;
  };
  const results = byOrder(RESULT_NAMES, main.results, side.results);
  const comparisons = byOrder(COMPARISON_NAMES, main.comparisons as Record<string, Metric>, side.comparisons as Record<string, Metric>);
  const ease = (side as { ease?: unknown }).ease;
  return {
    ...main,
    results,
    wallSeconds,
    comparisons,
    ratios: ratiosOf({ ...results, ...comparisons }, 'systemOverEase' in (side.ratios as object)),
    timeline: { ...(main.timeline as object), ...(side.timeline as object) },
    rejectedSteps: (main.rejectedSteps as number) + (side.rejectedSteps as number),
    /** Each part's own seconds: the longer one bounds the wall time. */
    partSeconds: { main: main.wallSeconds, side: side.wallSeconds },
    ...(ease !== undefined ? { ease } : {}),
  };
}

class Acc {
  hits = 0;
  ndcg = 0;
  n = 0;
  /** Hit (1) or miss (0) of every scored positive, in event order. */
  readonly trace: number[] = [];
  add(list: readonly number[], target: number): void {
    this.n++;
    const r = list.indexOf(target);
    this.trace.push(r >= 0 ? 1 : 0);
    if (r >= 0) {
      this.hits++;
      this.ndcg += 1 / Math.log2(r + 2);
    }
  }
  /** HR over each of `parts` consecutive, equal slices of the scored positives (how the figure moves in time). */
  segments(parts: number): number[] {
    const out: number[] = [];
    for (let p = 0; p < parts; p++) {
      const a = Math.floor((p * this.trace.length) / parts);
      const b = Math.floor(((p + 1) * this.trace.length) / parts);
      let h = 0;
      for (let i = a; i < b; i++) h += this.trace[i];
      out.push(b > a ? Math.round((h / (b - a)) * 1e4) / 1e4 : 0);
    }
    return out;
  }
  metric(): Metric {
    return { hr: this.n ? this.hits / this.n : 0, ndcg: this.n ? this.ndcg / this.n : 0 };
  }
}

interface Query {
  target: number;
  hist: Int32Array;
  ctxKeys: number[];
  /** The user's positives; the first `excludeSize` of them (insertion order) were the positives at query time. */
  positives: ReadonlySet<number>;
  excludeSize: number;
}

interface Scorer {
  name: string;
  learner: ContinualLearner;
  model: () => TwoTowerModel;
  vectors: () => { vectors: Float32Array; dim: number };
}

export async function runEval(events: readonly MlEvent[], o: EvalOptions = {}): Promise<EvalReport> {
  const t0 = Date.now();
  const onSystemQuery = o.onSystemQuery;
  const k = o.k ?? 10;
  const stepMs = (o.stepHours ?? 1) * 3600_000;
  const log = o.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const features = new FeatureState(o.imageDim ?? 0);
  const catalog = features.catalog;
  const compareBudget = o.compareBudget ?? 0.3;
  const compareSeed = o.compareSeed ?? 2;
  const baseOpts: LearnerOptions = { imageDim: o.imageDim ?? 0, ...o.learner };
  const part = o.part ?? 'all';
  const mainPart = part !== 'side';
  const sidePart = part !== 'main';
  const system = mainPart ? new ContinualLearner(catalog, { teacher: o.withTeacher === false ? false : {}, ...baseOpts }) : null;
  const sampleEvery = Math.max(1, Math.floor(o.sampleEvery ?? 1));
  let eligible = 0;
  const learners: ContinualLearner[] = system ? [system] : [];
  let active: ContinualLearner | null = null;
  let random: ContinualLearner | null = null;
  if (sidePart && compareBudget > 0 && compareBudget < 1) {
    // without the item regression: it counts every sample whatever the selection (as the memory does), so it would be
    // the same in both, and its refits would double the comparison's cost
    active = new ContinualLearner(catalog, { ...baseOpts, teacher: false, selection: 'active', budget: compareBudget, seed: compareSeed, regression: false });
    random = new ContinualLearner(catalog, { ...baseOpts, teacher: false, selection: 'random', budget: compareBudget, seed: compareSeed, regression: false });
    learners.push(active, random);
  }
  let staticLearner: ContinualLearner | null = null;
  const firstHalf: TrainExample[] = [];

  const popular = new PopularBaseline();
  const cooccur = new CooccurBaseline(popular);
  const knn = new KnnBaseline(popular);
  const acc: Record<string, Acc> = {};
  const metric = (name: string) => (acc[name] ??= new Acc());

  const totalPositives = events.filter(isPositive).length;
  const half = Math.floor(totalPositives / 2);
  const ease = sidePart && o.ease ? new EaseBaseline(popular, { ...(typeof o.ease === 'object' ? o.ease : {}), firstQueryAt: half }) : null;
  let easeScoreSeconds = 0;
  let seenPositives = 0;
  let window = Number.NaN;
  let steps = 0;
  let rejected = 0;
  let evaluated = 0;
  const bar = new ProgressBar('eval', events.length, process.stderr, o.progress ?? true);

  const scorers: Scorer[] = [];
  if (system) {
    const sys = system;
    scorers.push({ name: 'system', learner: sys, model: () => sys.student, vectors: () => sys.itemVectors() });
    if (sys.teacher) {
      const teacher = sys.teacher;
      scorers.push({ name: 'teacher', learner: sys, model: () => teacher, vectors: () => sys.teacherItemVectors() as { vectors: Float32Array; dim: number } });
    }
  }
  if (active && random) {
    const a = active;
    const r = random;
    scorers.push({ name: 'active', learner: a, model: () => a.student, vectors: () => a.itemVectors() });
    scorers.push({ name: 'random', learner: r, model: () => r.student, vectors: () => r.itemVectors() });
  }

  const allowed: boolean[] = catalog.active;
  const queue: Query[] = [];
  const itemCache = new Map<string, { src: Float32Array; items: tf.Tensor2D }>();
  /** Item vectors [N, dim] as a tfjs tensor, kept while the vectors are the same array. */
  const itemTensor = (key: string, src: Float32Array, dim: number, make: () => Float32Array = () => src): tf.Tensor2D => {
    const c = itemCache.get(key);
    if (c && c.src === src) return c.items;
    if (c) c.items.dispose();
    const items = tf.tensor2d(make(), [src.length / dim, dim]);
    itemCache.set(key, { src, items });
    return items;
  };
  /**
   * Every item's score for each of n users, item-major: S[x * n + i] is item x for user i. The items are the matMul's
   * left operand and the users' columns its right one: the backend packs the right operand for its kernel at each
   * call, which for the items (new at every step) cost several times the product itself.
   */
  const dots = (users: Float32Array, n: number, items: tf.Tensor2D): Float32Array => {
    const dim = items.shape[1];
    const t = tf.tidy(() => tf.matMul(items, tf.tensor2d(transposeRows(users, dim), [dim, n])));
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  };
  /** User i's column of item-major scores (see dots), into `out`. */
  const column = (S: Float32Array, n: number, i: number, out: Float32Array): Float32Array => {
    for (let x = 0, at = i; x < out.length; x++, at += n) out[x] = S[at];
    return out;
  };
  const flush = (): void => {
    if (queue.length === 0) return;
    const n = queue.length;
    const excludes = queue.map((q) => {
      const ex = new Set<number>();
      for (const x of q.positives) {
        if (ex.size >= q.excludeSize) break;
        ex.add(x);
      }
      return ex;
    });
    // the wide halves' terms of each (learner, query), read once: the system's serve the student, the teacher, int8
    // and the halves alone
    const wideOf = new Map<ContinualLearner, WideTerms[]>();
    const terms = (l: ContinualLearner, i: number): WideTerms => {
      let a = wideOf.get(l);
      if (!a) wideOf.set(l, (a = []));
      return (a[i] ??= l.wideTerms(queue[i].hist));
    };
    for (const s of scorers) {
      const m = s.model();
      const l = s.learner;
      const { vectors, dim } = s.vectors();
      const N = vectors.length / dim;
      let work: Float32Array | null = null;
      let col: Float32Array | null = null;
      let col8: Float32Array | null = null;
      const U = new Float32Array(n * dim);
      queue.forEach((q, i) => U.set(m.userVector(q.hist, q.ctxKeys), i * dim));
      const S = dots(U, n, itemTensor(s.name, vectors, dim));
      let S8: Float32Array | null = null;
      if (s.name === 'system') {
        S8 = dots(U, n, itemTensor('int8', vectors, dim, () => int8RoundTrip(vectors, dim)));
      }
      queue.forEach((q, i) => {
        const o = { k, exclude: excludes[i], allowed };
        const scores = column(S, n, i, (col ??= new Float32Array(N)));
        if ((s.name === 'active' || s.name === 'random') && l.opts.memory) {
          // selection changes what the towers train on (the memory counts every sample): compare the towers alone too
          metric(`${s.name}TwoTower`).add(topKOfScores(scores, o).map((x) => x.index), q.target);
        }
        const wide = terms(l, i);
        if (s.name === 'system' && l.opts.memory) {
          // the halves of the student alone: the two-tower (deep) and the transition memory (wide)
          metric('twoTower').add(topKOfScores(scores, o).map((x) => x.index), q.target);
          const mem = (work ??= new Float32Array(N)).fill(0);
          l.addWide(wide, mem, 1, 0);
          metric('memory').add(topKOfScores(mem, o).map((x) => x.index), q.target);
        }
        if (s.name === 'system' && l.regression) {
          // the item regression alone
          const reg = (work ??= new Float32Array(N)).fill(0);
          l.addWide(wide, reg, 0, 1);
          metric('regression').add(topKOfScores(reg, o).map((x) => x.index), q.target);
        }
        l.addWide(wide, scores);
        const top = topKOfScores(scores, o).map((x) => x.index);
        metric(s.name).add(top, q.target);
        if (s.name === 'system' && onSystemQuery) {
          onSystemQuery({ learner: l, sample: { hist: q.hist, ctxKeys: q.ctxKeys, target: q.target, exclude: excludes[i] }, hit: top.includes(q.target), top });
        }
        if (S8) {
          metric('fp32').add(top, q.target);
          const s8 = column(S8, n, i, (col8 ??= new Float32Array(N)));
          l.addWide(wide, s8);
          metric('int8').add(topKOfScores(s8, o).map((x) => x.index), q.target);
        }
      });
    }
    queue.length = 0;
  };
  for (let ei = 0; ei < events.length; ei++) {
    const e = events[ei];
    if (ei % 2000 === 0) bar.update(ei, `steps ${steps}`);
    const w = Math.floor(e.ts / stepMs);
    if (w !== window) {
      if (!Number.isNaN(window)) {
        flush();
        for (const l of learners) {
          const r = l.step();
          if (!r.skipped) {
            if (l === system) steps++;
            if (!r.accepted) rejected++;
          }
        }
      }
      window = w;
    }
    if (e.kind === 'product') {
      flush();
      features.apply(e);
      if (e.type === 'product_upsert') {
        const idx = catalog.index.get(e.itemId) as number;
        for (const l of learners) l.addProduct(idx);
        staticLearner?.addProduct(idx);
      }
      continue;
    }
    if (!isPositive(e)) continue;
    const ie = e as InteractionEvent;
    if (!catalog.index.has(ie.itemId)) flush();
    if (seenPositives === half && !staticLearner && sidePart && o.withStatic !== false) {
      flush();
      // static: the system's model trained once on the first half, then frozen
      staticLearner = new ContinualLearner(catalog, { ...baseOpts, teacher: false, maxPasses: o.staticEpochs ?? 3, minStepExamples: firstHalf.length * (o.staticEpochs ?? 3), replayRatio: 0 });
      for (let i = 0; i < catalog.size; i++) staticLearner.addProduct(i);
      const rep = staticLearner.step(firstHalf);
      log(`[eval] static model trained once on ${firstHalf.length} first-half samples (${rep.examples} examples, ${rep.seconds.toFixed(1)}s)`);
      const s = staticLearner;
      scorers.push({ name: 'static', learner: s, model: () => s.student, vectors: () => s.itemVectors() });
    }
    const user = features.user(ie.userId);
    const idx = catalog.ensure(ie.itemId);
    if (seenPositives >= half && !user.positives.has(idx) && eligible++ % sampleEvery === 0) {
      evaluated++;
      const exclude = user.positives;
      const recentFirst = features.recentFirst(ie.userId);
      const recentArr = Array.from(recentFirst);
      if (mainPart) {
        metric('popular').add(popular.top(k, exclude), idx);
        metric('cooccur').add(cooccur.top(recentArr[0], k, exclude), idx);
        metric('knn').add(knn.top(recentArr, k, exclude), idx);
      }
      if (ease) {
        const t = performance.now();
        metric('easeRecent').add(ease.top(features.recentFirst(ie.userId, ease.history), k, exclude), idx);
        easeScoreSeconds += (performance.now() - t) / 1000;
      }
      // the models are scored in batches at the end of the window (they change only at steps): same results
      const q = features.exampleFor(ie);
      queue.push({ target: idx, hist: q.hist, ctxKeys: q.ctxKeys, positives: user.positives, excludeSize: user.positives.size });
      if (o.batchScoring === false) flush();
    }
    // learn from the event: features at once, the models at their next step
    const ex = features.exampleFor(ie);
    const recentBefore = Array.from(features.recentFirst(ie.userId, 10));
    popular.add(idx);
    cooccur.add(recentBefore[0], idx);
    knn.add(recentBefore, idx);
    ease?.add(ie.userId, idx);
    features.apply(ie);
    for (const l of learners) l.addSample(ex);
    if (seenPositives < half) firstHalf.push(ex);
    seenPositives++;
  }
  flush();
  for (const c of itemCache.values()) c.items.dispose();
  bar.finish(`steps ${steps}`);
  const results: Record<string, Metric> = {};
  for (const name of RESULT_NAMES) {
    if (acc[name] || (mainPart && MAIN_RESULTS.includes(name)) || (name === 'easeRecent' && ease)) results[name] = metric(name).metric();
  }
  const comparisons: Record<string, Metric> = {};
  for (const name of COMPARISON_NAMES) if (acc[name]) comparisons[name] = acc[name].metric();
  return {
    events: events.length,
    k,
    results,
    trainExamplesPerSecond: system && system.trainSeconds > 0 ? system.trainedExamples / system.trainSeconds : 0,
    wallSeconds: (Date.now() - t0) / 1000,
    comparisons,
    ratios: ratiosOf({ ...results, ...comparisons }, !!o.ease),
    evaluated,
    /** HR@k per tenth of the scored positives, in time order. */
    timeline: Object.fromEntries(Object.entries(acc).map(([name, a]) => [name, a.segments(10)])),
    positives: totalPositives,
    steps,
    rejectedSteps: rejected,
    backend: o.backend ?? currentBackend()?.name ?? tf.getBackend(),
    /** Threads of the backend's kernels (see core/backend: figures depend on the backend and its threads). */
    backendThreads: currentBackend()?.threads ?? null,
    activeBudget: compareBudget,
    activeSeed: compareSeed,
    sampleEvery,
    memoryWeight: system?.opts.memory ? system.mixer.beta : 0,
    memoryPairs: system?.memory.pairs ?? 0,
    regressionWeight: system?.regression ? system.mixer.gamma : 0,
    /** The system's wide-half weights per history bucket at the end (MIX_HISTORY_BOUNDS), as its artifact would ship them. */
    historyWeights: system ? system.wideHalves().byHistory : null,
    regressionPairs: system?.regression?.pairs ?? 0,
    regressionItems: system?.regression?.items ?? 0,
    regressionRefits: system?.regression?.refits ?? 0,
    regressionRefitSeconds: system?.regression?.refitSeconds ?? 0,
    regressionFreshRefits: system?.regression?.freshRefits ?? 0,
    regressionFreshSeconds: system?.regression?.freshSeconds ?? 0,
    ...(ease
      ? {
          /** The EASE baseline's settings, its refits (size, route, seconds) and the time its lists took. */
          ease: {
            lambda: ease.lambda,
            refitEvery: ease.refitEvery,
            history: ease.history,
            refits: ease.fits.length,
            refitSeconds: ease.fits.reduce((a, f) => a + f.seconds, 0),
            scoreSeconds: easeScoreSeconds,
            fits: ease.fits,
          },
        }
      : {}),
  };
}
