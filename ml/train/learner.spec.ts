import { selectBackend } from '../core/backend';
import type { MlEvent } from '../core/events';
import { isPositive } from '../core/events';
import { contextKeys } from '../features/context';
import { FeatureState } from '../features/state';
import { runEval, type SystemQuery } from '../eval/protocol';
import { generateShop, shopEvents } from '../sim/shop';
import { ServingModel } from '../serving/serving-model';
import { feedEvents } from './feed';
import { ContinualLearner, LEARNER_DEFAULTS, type HeldOutSample, type LearnerOptions } from './learner';
import { encodeLearnerCheckpoint } from './learner-checkpoint';

const STEP_MS = 3600_000 / 3;
const OPTS: LearnerOptions = {
  student: { dim: 16, hidden: 32 },
  teacher: { dim: 16, hidden: 32 },
  teacherEvery: 2,
  selection: 'active',
  budget: 0.6,
  replaySize: 400,
  seed: 9,
};

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

function shopStream(seed = 21): MlEvent[] {
  return shopEvents(generateShop({ seed, categories: 6, itemsPerCategory: 20, users: 100, clicksPerUser: 14 }));
}

/** The learner's whole state as bytes (fixed time and cursor), to compare two learners or one before and after. */
function bytes(learner: ContinualLearner): Buffer {
  return encodeLearnerCheckpoint(learner, { cursor: null, createdAt: '2026-01-01T00:00:00.000Z' });
}

/** Feeds the events window by window; `between` runs after each window's step. */
function feedByWindow(features: FeatureState, learner: ContinualLearner, events: readonly MlEvent[], between: () => void): void {
  let from = 0;
  while (from < events.length) {
    const w = Math.floor(events[from].ts / STEP_MS);
    let to = from;
    while (to < events.length && Math.floor(events[to].ts / STEP_MS) === w) to++;
    feedEvents(features, [learner], events.slice(from, to), STEP_MS);
    between();
    from = to;
  }
}

/** Held-out samples of `events` from `features` as they stand (not learned from): each positive on an item new to its user. */
function heldOut(features: FeatureState, events: readonly MlEvent[]): HeldOutSample[] {
  const out: HeldOutSample[] = [];
  for (const e of events) {
    if (e.kind !== 'interaction' || !isPositive(e)) continue;
    const idx = features.catalog.index.get(e.itemId);
    const seen = features.users.get(e.userId)?.positives ?? new Set<number>();
    if (idx !== undefined && !seen.has(idx)) {
      out.push({ hist: features.recentFirst(e.userId), ctxKeys: contextKeys(e.ts, e.context), target: idx, exclude: new Set(seen) });
    }
    features.apply(e);
  }
  return out;
}

describe('continual learner', () => {
  it('gives bit-identical weights and state for the same stream and seed, however often it is read between steps', () => {
    const events = shopStream();
    const fa = new FeatureState();
    const fb = new FeatureState();
    const a = new ContinualLearner(fa.catalog, OPTS);
    const b = new ContinualLearner(fb.catalog, OPTS);
    feedByWindow(fa, a, events, () => undefined);
    let reads = 0;
    // b is read as a service reads it between its steps: recommendations, scores, item vectors, an evaluation
    feedByWindow(fb, b, events, () => {
      for (const u of ['u-1', 'u-2', 'u-3']) b.recommend(fb.recentFirst(u), contextKeys(0, undefined), { k: 10 });
      b.itemVectors();
      b.teacherItemVectors();
      b.evaluate([{ hist: fb.recentFirst('u-4'), ctxKeys: contextKeys(0, undefined), target: 0, exclude: new Set() }]);
      reads++;
    });
    expect(reads).toBeGreaterThan(10);
    expect(a.stepCount).toBe(b.stepCount);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(Array.from(a.itemVectors().vectors)).toEqual(Array.from(b.itemVectors().vectors));
  });

  it('leaves everything as it was when a step is rejected (non-finite weights), keeps the window pending and trains on it at the next step', () => {
    const events = shopStream(22);
    const cut = Math.floor(events.length * 0.6);
    const features = new FeatureState();
    const l = new ContinualLearner(features.catalog, { ...OPTS, teacherEvery: 1 });
    feedEvents(features, [l], events.slice(0, cut), STEP_MS);
    // a window of new samples, then a step whose learning rate turns the weights infinite
    feedEvents(features, [l], events.slice(cut, cut + 150), STEP_MS, false);
    const pending = l.pendingCount;
    expect(pending).toBeGreaterThan(0);
    const before = bytes(l);
    const beta = l.mixer.beta;
    const rejected = l.step(undefined, Number.POSITIVE_INFINITY);
    expect(rejected.accepted).toBe(false);
    expect(rejected.reason).toBe('non-finite weights');
    expect(bytes(l).equals(before)).toBe(true);
    expect(l.mixer.beta).toBe(beta);
    expect(l.pendingCount).toBe(pending);
    // the next (sound) step is the step the rejected one would have been
    const twin = ContinualLearner.fromState(l.state(), l.catalog);
    const next = l.step();
    expect(next.accepted).toBe(true);
    expect(next.pool).toBe(pending);
    expect(twin.step().accepted).toBe(true);
    expect(bytes(l).equals(bytes(twin))).toBe(true);
  });

  it('evaluates held-out samples as the protocol ranks them: a learner trained on the shop beats a fresh one', () => {
    const events = shopStream(23);
    const cut = Math.floor(events.length * 0.8);
    const features = new FeatureState();
    const trained = new ContinualLearner(features.catalog, { ...OPTS, teacher: false });
    feedEvents(features, [trained], events.slice(0, cut), STEP_MS);
    const fresh = new ContinualLearner(features.catalog, { ...OPTS, teacher: false });
    for (let i = 0; i < features.catalog.size; i++) fresh.addProduct(i);
    const samples = heldOut(features, events.slice(cut));
    expect(samples.length).toBeGreaterThan(100);
    const before = bytes(trained);
    const t = trained.evaluate(samples);
    const f = fresh.evaluate(samples);
    expect(bytes(trained).equals(before)).toBe(true);
    expect(t.n).toBe(samples.length);
    expect(t.hr).toBeGreaterThan(f.hr + 0.05);
    expect(t.ndcg).toBeGreaterThan(f.ndcg);
    expect(t.loss).toBeLessThan(f.loss);
    // a sample ranks the whole catalog: HR@k grows with k up to 1
    expect(trained.evaluate(samples, features.catalog.size).hr).toBe(1);
  });

  it('agrees with the serving model built from it (fp32, the whole memory) on the same held-out samples', () => {
    const events = shopStream(24);
    const cut = Math.floor(events.length * 0.8);
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { ...OPTS, teacher: false });
    feedEvents(features, [learner], events.slice(0, cut), STEP_MS);
    const ids = features.catalog.ids;
    const serving = ServingModel.fromModel(
      learner.student,
      'fp32',
      {},
      learner.wideHalves(1_000_000),
      { vectors: learner.itemVectors().vectors },
    );
    const samples: HeldOutSample[] = [];
    const byId: Parameters<ServingModel['evaluate']>[0][number][] = [];
    for (const e of events.slice(cut)) {
      if (e.kind !== 'interaction' || !isPositive(e)) continue;
      const idx = features.catalog.index.get(e.itemId);
      const seen = features.users.get(e.userId)?.positives ?? new Set<number>();
      if (idx !== undefined && !seen.has(idx)) {
        const hist = features.recentFirst(e.userId);
        const device = typeof e.context?.device === 'string' ? e.context.device : undefined;
        samples.push({ hist, ctxKeys: contextKeys(e.ts, e.context), target: idx, exclude: new Set(seen) });
        byId.push({ recentItemIds: Array.from(hist, (i) => ids[i]), context: { ts: e.ts, device }, targetItemId: e.itemId, seenItemIds: Array.from(seen, (i) => ids[i]) });
      }
      features.apply(e);
    }
    expect(samples.length).toBeGreaterThan(100);
    const l = learner.evaluate(samples);
    const s = serving.evaluate(byId);
    expect(s.n).toBe(l.n);
    expect(s.skipped).toBe(0);
    // the artifact folds the memory's popularity discount into float32 weights: a near-tie may flip, nothing more
    expect(Math.abs(s.hr - l.hr)).toBeLessThanOrEqual(Math.max(1, 0.01 * l.n) / l.n);
    expect(s.loss).toBeCloseTo(l.loss, 3);
  });

  it("adds the wide terms read once (wideTerms, addWide) as the same floats as each half's own boost, and each half alone", () => {
    const events = shopStream(25);
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { ...OPTS, teacher: false, regression: { minPositives: 50, refitEvery: 200 } });
    feedEvents(features, [learner], events, STEP_MS);
    expect(learner.regression?.refits ?? 0).toBeGreaterThan(0);
    const N = features.catalog.size;
    let reached = 0;
    for (const [userId] of Array.from(features.users).slice(0, 40)) {
      const hist = features.recentFirst(userId);
      const base = Float32Array.from({ length: N }, (_, x) => Math.sin(x + hist.length));
      const t = learner.wideTerms(hist);
      reached += t.memoryItems.length + t.regressionItems.length;
      // the reference: the memory's boost, then the regression's, with the mixer's weights for this history (what
      // boostWide and addWide's defaults use) and with non-zero ones (the mixer's may be zero on this small shop)
      const [mb, mg] = learner.mixer.weightsFor(hist.length);
      for (const [beta, gamma] of [[mb, mg], [2, 8]]) {
        const want = base.slice();
        learner.memory.boost(hist, beta, want);
        learner.regression?.boost(hist, gamma, want);
        const b = base.slice();
        learner.addWide(t, b, beta, gamma);
        expect(Buffer.from(b.buffer).equals(Buffer.from(want.buffer))).toBe(true);
        if (beta === mb && gamma === mg) {
          const a = base.slice();
          learner.boostWide(hist, a);
          expect(Buffer.from(a.buffer).equals(Buffer.from(want.buffer))).toBe(true);
          const c = base.slice();
          learner.addWide(t, c);
          expect(Buffer.from(c.buffer).equals(Buffer.from(want.buffer))).toBe(true);
        }
      }
      const mem = new Float32Array(N);
      learner.memory.boost(hist, 1, mem);
      const mem2 = new Float32Array(N);
      learner.addWide(t, mem2, 1, 0);
      expect(Array.from(mem2)).toEqual(Array.from(mem));
      const reg = new Float32Array(N);
      learner.regression?.boost(hist, 1, reg);
      const reg2 = new Float32Array(N);
      learner.addWide(t, reg2, 0, 1);
      expect(Array.from(reg2)).toEqual(Array.from(reg));
    }
    expect(reached).toBeGreaterThan(100);
  });

  it("agrees with the evaluation protocol's own hit counting on the protocol's queries", async () => {
    const events = shopEvents(generateShop({ seed: 4, categories: 5, itemsPerCategory: 16, users: 60, clicksPerUser: 12 }));
    const queries: { hit: boolean; evaluated: boolean }[] = [];
    const report = await runEval(events, {
      stepHours: 1,
      progress: false,
      compareBudget: 0,
      withStatic: false,
      withTeacher: false,
      learner: { student: { dim: 16, hidden: 32 } },
      log: () => undefined,
      onSystemQuery: (q: SystemQuery) => queries.push({ hit: q.hit, evaluated: q.learner.evaluate([q.sample]).hr === 1 }),
    });
    expect(queries.length).toBe(report.evaluated);
    expect(queries.length).toBeGreaterThan(100);
    const hits = queries.filter((q) => q.hit).length;
    expect(hits / queries.length).toBeCloseTo(report.results.system.hr, 12);
    // the protocol's dot products run as a tfjs matMul, evaluate's in typed arrays: only a near-tie may flip
    const disagree = queries.filter((q) => q.hit !== q.evaluated).length;
    expect(disagree).toBeLessThanOrEqual(Math.max(1, 0.01 * queries.length));
  });
});

describe('a step with a budget in examples', () => {
  it('trains at most the budget (chosen samples plus replay), choosing from a far larger pool by a uniform pre-sample', () => {
    const events = shopStream(33);
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { ...OPTS, teacher: false, replaySize: 1000 });
    const samples = [];
    for (const e of events) {
      if (e.kind === 'product') {
        features.apply(e);
        learner.addProduct(features.catalog.index.get(e.itemId) as number);
      } else if (isPositive(e)) {
        samples.push(features.exampleFor(e));
        features.apply(e);
      }
    }
    // the first step fills the replay reservoir; the second has a pool of 700 for a budget of 150
    learner.step(samples.slice(0, 700), 1, { selection: 'all' });
    const r = learner.step(samples.slice(700, 1400), 1, { selection: 'active', maxExamples: 150 });
    expect(r.accepted).toBe(true);
    expect(r.pool).toBe(700);
    // Poisson sampling around 100 chosen (150 / 1.5), each with half a replayed sample
    expect(r.selected).toBeGreaterThan(60);
    expect(r.selected).toBeLessThan(140);
    expect(r.examples).toBeLessThanOrEqual(Math.ceil(r.selected * 1.5) + 1);
    const all = learner.step(samples.slice(0, 300), 1, { selection: 'all', maxExamples: 10 });
    expect(all.pool).toBe(300);
    // every sample but the repeats, which the towers do not train on
    expect(all.repeats).toBeGreaterThan(0);
    expect(all.selected).toBe(300 - all.repeats);
  });
});

describe('the mixer in the learner', () => {
  /** A learner on a small shop's catalog, and samples built from it (first-time unless `repeat`). */
  function setup(): { learner: ContinualLearner; sample: (target: number, repeat?: boolean) => import('../features/example').TrainExample } {
    const features = new FeatureState();
    for (const e of shopStream(5)) if (e.kind === 'product') features.apply(e);
    const learner = new ContinualLearner(features.catalog, { student: { dim: 8, hidden: 8 }, teacher: false, seed: 4 });
    for (let i = 0; i < features.catalog.size; i++) learner.addProduct(i);
    const sample = (target: number, repeat = false) => ({
      hist: Int32Array.from(repeat ? [target, (target + 1) % 50] : [(target + 1) % 50, (target + 2) % 50]),
      target,
      ctxKeys: contextKeys(0, undefined),
      weight: 1,
    });
    return { learner, sample };
  }

  it('ranks a window of fewer than 4 samples only every 8th step, a larger one at its step, and never a repeat', () => {
    const { learner, sample } = setup();
    const ranked: number[] = [];
    for (let s = 1; s <= 16; s++) {
      const before = learner.mixer.samples;
      learner.step([sample(s), sample(s + 20)]);
      ranked.push(learner.mixer.samples - before);
    }
    expect(ranked).toEqual([0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2]);
    let before = learner.mixer.samples;
    learner.step([1, 2, 3, 4, 5].map((t) => sample(t)));
    expect(learner.mixer.samples - before).toBe(5);
    // a window of repeats (each target among the user's recent positives) gives the mixer nothing to rank
    before = learner.mixer.samples;
    learner.step([1, 2, 3, 4, 5].map((t) => sample(t, true)));
    expect(learner.mixer.samples - before).toBe(0);
    // a window of 300 samples: mixSamples (256) of them ranked
    before = learner.mixer.samples;
    learner.step(Array.from({ length: 300 }, (_, t) => sample(t % 50)));
    expect(learner.mixer.samples - before).toBe(LEARNER_DEFAULTS.mixSamples);
  });

  it('trains the towers on first-time samples only (towerRepeats false, the default), the wide halves on every one', () => {
    const { learner, sample } = setup();
    const dense = (l: ContinualLearner) => Object.values(l.state().student.dense).flatMap((p) => Array.from(p.value));
    learner.step([1, 2, 3, 4, 5].map((t) => sample(t)));
    const weights = dense(learner);
    const memoryCounts = (): number[] => Array.from(learner.memory.state().counts ?? []);
    const counts = memoryCounts();
    // a window of repeats: the towers stay as they were, the memory counts them
    const r = learner.step([1, 2, 3].map((t) => sample(t, true)));
    expect(r).toMatchObject({ accepted: true, skipped: false, pool: 3, repeats: 3, selected: 0, examples: 0 });
    expect(dense(learner)).toEqual(weights);
    const after = memoryCounts();
    for (const t of [1, 2, 3]) expect(after[t]).toBe(counts[t] + 1);
    // a mixed window: the towers train on its first-time samples (with half as many replayed)
    const mixed = learner.step([sample(6), sample(7, true), sample(8)]);
    expect(mixed).toMatchObject({ pool: 3, repeats: 1, selected: 2, examples: 3 });
    expect(dense(learner)).not.toEqual(weights);
    // towerRepeats: the towers train on the repeats too, and so does the teacher
    const both = new ContinualLearner(learner.catalog, { student: { dim: 8, hidden: 8 }, teacher: { dim: 8, hidden: 8 }, teacherEvery: 1, seed: 4, towerRepeats: true });
    for (let i = 0; i < learner.catalog.size; i++) both.addProduct(i);
    const rb = both.step([1, 2, 3].map((t) => sample(t, true)));
    expect(rb).toMatchObject({ pool: 3, repeats: 0, selected: 3, teacherStepped: true });
    expect(rb.examples).toBeGreaterThan(0);
    // without it the teacher's backlog holds first-time samples alone
    const teacherOnly = new ContinualLearner(learner.catalog, { student: { dim: 8, hidden: 8 }, teacher: { dim: 8, hidden: 8 }, teacherEvery: 3, seed: 4 });
    [sample(1, true), sample(2), sample(3, true)].forEach((ex) => teacherOnly.addSample(ex));
    expect(teacherOnly.state().teacherPending.map((ex) => ex.target)).toEqual([2]);
  });

  it('decays the gains by mixDecay per ranked sample, and keeps it through a state', () => {
    const { learner: base, sample } = setup();
    const learner = new ContinualLearner(base.catalog, { student: { dim: 8, hidden: 8 }, teacher: false, seed: 4, mixDecay: 0.5 });
    for (let i = 0; i < base.catalog.size; i++) learner.addProduct(i);
    expect(base.mixer.decay).toBe(0.998);
    learner.step([1, 2, 3, 4, 5].map((t) => sample(t)));
    const stepped = learner.mixer.state().gain.slice();
    learner.step([6].map((t) => sample(t)));
    // a one-sample window is not ranked (mixEvery): the gains stay
    expect(Array.from(learner.mixer.state().gain)).toEqual(Array.from(stepped));
    const restored = ContinualLearner.fromState(learner.state(), base.catalog);
    expect(restored.mixer.decay).toBe(0.5);
    // the same sample observed twice: each pair's gain goes g0 -> 0.5 g0 + x -> 0.5 g1 + x
    const n = base.catalog.size;
    const dots = Float32Array.from({ length: n }, (_, x) => (x % 7) / 7);
    const ex = sample(3);
    const g0 = restored.mixer.state().gain.slice();
    restored.mixer.observe(dots, ex.hist, ex.target, restored.memory, new Set(ex.hist), base.catalog.active, restored.regression);
    const g1 = restored.mixer.state().gain.slice();
    restored.mixer.observe(dots, ex.hist, ex.target, restored.memory, new Set(ex.hist), base.catalog.active, restored.regression);
    const g2 = restored.mixer.state().gain;
    for (let c = 0; c < g2.length; c++) expect(g2[c] - 0.5 * g1[c]).toBeCloseTo(g1[c] - 0.5 * g0[c], 12);
    expect(Math.max(...g0)).toBeGreaterThan(0);
  });
});
