import fs from 'node:fs';
import {
  ContinualLearner,
  FeatureState,
  HeldOutAccumulator,
  Rng,
  decodeLearnerCheckpoint,
  encodeLearnerCheckpoint,
  isPositive,
  rankOf,
  readLearnerCheckpoint,
  selectBackend,
  type InteractionEvent,
  type LearnerCheckpoint,
  type MlEvent,
  type SelectionMode,
  type StepReport,
  type TrainExample,
} from '@recsys/ml';
import { ServingModel, type HeldOutSample, type ServingEvaluation } from '@recsys/ml-serving';
import type { TrainingFault } from '@recsys/jobs';
import { ArtifactStore, CHECKPOINT_FILE, MODEL_FILE, type HeldOutScores, type StoredFile } from '@recsys/registry';
import type { StoredEventsReader } from './stored-events.reader';
import { holdoutSplit, sortWindow } from './training-window';

/** Everything one training run needs (a plain object: it crosses into the worker thread). */
export interface TrainingSpec {
  jobId: string;
  kind: 'incremental' | 'full';
  /** The name the candidate gets. */
  candidate: string;
  /** The active version: the state an incremental run continues from, and the gate's baseline. */
  base: string | null;
  modelDir: string;
  backend: string;
  budgetExamples: number;
  selection: SelectionMode;
  chunkEvents: number;
  pageEvents: number;
  maxUsers: number;
  imageDim: number;
  holdoutShare: number;
  minPositives: number;
  maxGateSamples: number;
  fault?: TrainingFault;
}

/** The cursor a learner checkpoint carries: rows with a transaction id below `txid` are learnt (or pending). */
export interface TrainingCursor {
  txid: string;
}

/** What a run built (the gate itself is decided by the caller). */
export interface TrainingRunOutcome {
  built: boolean;
  /** Why nothing was built. */
  reason?: string;
  cursor: TrainingCursor;
  /** The candidate's files (absent when its step was undone for non-finite weights). */
  files?: Record<string, StoredFile>;
  finite: boolean;
  candidate: HeldOutScores;
  baseline: HeldOutScores;
  baselineKind: 'active' | 'popular';
  run: Record<string, number | string | boolean>;
}

export type ProgressFn = (fraction: number, note?: string) => void;

interface JobCheckpointCursor extends TrainingCursor {
  job: string;
  kind: string;
  base: string | null;
  chunks: number;
}

const NONE: HeldOutScores = { hr: null, ndcg: null, loss: null, samples: 0, skipped: 0 };

function scores(e: ServingEvaluation | { hr: number; ndcg: number; loss: number; n?: number; samples?: number }, samples: number, skipped: number): HeldOutScores {
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  return { hr: fin(e.hr), ndcg: fin(e.ndcg), loss: fin(e.loss), samples, skipped };
}

/** Crashes the process once per job (the fault tests' SIGKILL mid-step): a marker file remembers it happened. */
function crashOnce(spec: TrainingSpec): void {
  const marker = `${spec.modelDir}/.crashed-${Buffer.from(spec.jobId).toString('hex').slice(0, 64)}`;
  if (fs.existsSync(marker)) return;
  fs.mkdirSync(spec.modelDir, { recursive: true });
  fs.writeFileSync(marker, new Date().toISOString());
  process.kill(process.pid, 'SIGKILL');
}

/**
 * One training run: continue from the active version's learner checkpoint (incremental) or from nothing (full, or the
 * first model), learn the stored events since its cursor chunk by chunk (a progress checkpoint after each chunk, which
 * a retry of the same job resumes from), hold out the newest slice of the window, build the candidate's serving
 * artifact and learner checkpoint, measure candidate and baseline on the slice, and publish the candidate's files.
 */
export async function runTraining(spec: TrainingSpec, reader: StoredEventsReader, progress: ProgressFn): Promise<TrainingRunOutcome> {
  const t0 = Date.now();
  const backend = await selectBackend(spec.backend as Parameters<typeof selectBackend>[0], () => undefined);
  const store = new ArtifactStore(spec.modelDir);
  const run: Record<string, number | string | boolean> = { kind: spec.kind, backend: backend.name, resumed: false, chunks: 0 };

  // where to continue from
  const jobPath = store.jobCheckpointPath(spec.jobId);
  let start: LearnerCheckpoint | null = null;
  let chunksDone = 0;
  if (fs.existsSync(jobPath)) {
    try {
      const ck = decodeLearnerCheckpoint(fs.readFileSync(jobPath));
      const c = ck.cursor as unknown as JobCheckpointCursor;
      if (c && c.job === spec.jobId && c.kind === spec.kind && c.base === spec.base) {
        start = ck;
        chunksDone = c.chunks;
        run.resumed = true;
        run.resumedAtTxid = c.txid;
      }
    } catch {
      // a damaged progress checkpoint: start the run over
    }
  }
  const fresh = spec.kind === 'full' || spec.base === null || spec.fault === 'shuffle-labels';
  if (!start && !fresh) start = readLearnerCheckpoint(store.checkpointPath(spec.base as string));
  const features = start?.features ?? new FeatureState({ imageDim: spec.imageDim, maxUsers: spec.maxUsers, trackSeen: false });
  const learner =
    start?.learner ??
    new ContinualLearner(features.catalog, { teacher: {}, imageDim: spec.imageDim, ...(spec.kind === 'full' ? { teacherEvery: 1 } : {}) });
  const from = BigInt(start ? (start.cursor as unknown as TrainingCursor).txid : '0');
  const to = await reader.watermark();
  run.fromTxid = from.toString();
  run.toTxid = to.toString();
  const cursor: TrainingCursor = { txid: to.toString() };
  const skip = (reason: string): TrainingRunOutcome => ({
    built: false,
    reason,
    cursor,
    finite: true,
    candidate: NONE,
    baseline: NONE,
    baselineKind: spec.base ? 'active' : 'popular',
    run: { ...run, seconds: (Date.now() - t0) / 1000 },
  });
  if (from >= to) return skip('no events were stored since the last step');
  const counted = await reader.count(from, to);
  const total = counted.interactions + counted.products;
  run.windowRows = total;
  if (total === 0) return skip('no events were stored since the last step');
  const nChunks = Math.max(1, Math.ceil(total / spec.chunkEvents));
  const chunkRows = Math.ceil(total / nChunks);

  const popularity = new Map<number, number>();
  // The budget bounds a run that continues the active model (the hourly step), shared by its chunks in proportion to
  // their rows; a run from nothing (the first model, a full retrain) learns the whole history, each chunk within it.
  const budgetFor = (rows: number): number | undefined => {
    if (spec.selection === 'all') return undefined;
    return fresh ? spec.budgetExamples : Math.max(1, Math.round((spec.budgetExamples * rows) / total));
  };
  const reports: StepReport[] = [];
  let readSeconds = 0;
  let trainSeconds = 0;
  let rowsDone = 0;

  /** Features and samples of events, in order; returns the examples (learnt by the next step). */
  const feed = (events: readonly MlEvent[]): TrainExample[] => {
    const out: TrainExample[] = [];
    for (const e of events) {
      if (e.kind === 'product') {
        features.apply(e);
        if (e.type === 'product_upsert') learner.addProduct(features.catalog.index.get(e.itemId) as number);
        continue;
      }
      if (!isPositive(e)) continue;
      const ex = features.exampleFor(e);
      const idx = features.apply(e) as number;
      popularity.set(idx, (popularity.get(idx) ?? 0) + 1);
      out.push(ex);
    }
    return out;
  };
  const step = (examples: TrainExample[], rows: number): StepReport => {
    const ts = Date.now();
    if (spec.fault === 'shuffle-labels') {
      const rng = new Rng(7);
      for (let i = examples.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = examples[i].target;
        examples[i] = { ...examples[i], target: examples[j].target };
        examples[j] = { ...examples[j], target: t };
      }
    }
    const r = learner.step(examples, 1, { selection: spec.selection, maxExamples: budgetFor(rows) });
    reports.push(r);
    trainSeconds += (Date.now() - ts) / 1000;
    return r;
  };

  // every chunk but the last: learn it whole, then checkpoint the job's progress
  let buffer: MlEvent[] = [];
  let bufferRows = 0;
  let chunkIndex = chunksDone;
  let tr = Date.now();
  let finalEvents: MlEvent[] | null = null;
  // pages well below a chunk, so chunks come out near their size
  const pageRows = Math.max(10, Math.min(spec.pageEvents, Math.ceil(chunkRows / 4)));
  for await (const page of reader.pages(from, to, pageRows)) {
    for (const e of page.events) buffer.push(e);
    bufferRows += page.rows;
    // the count is exact (every row below the watermark is committed): once it is read, this is the last chunk,
    // whether or not the page's range reached the watermark
    if (page.end >= to || rowsDone + bufferRows >= total) {
      readSeconds += (Date.now() - tr) / 1000;
      finalEvents = buffer;
      break;
    }
    if (bufferRows < chunkRows) continue;
    // a short remainder joins this chunk: the last chunk holds the gate's slice and must not be a sliver
    if (total - rowsDone - bufferRows < chunkRows / 2) continue;
    readSeconds += (Date.now() - tr) / 1000;
    const r = step(feed(sortWindow(buffer)), bufferRows);
    rowsDone += bufferRows;
    chunkIndex++;
    run.chunks = chunkIndex;
    if (r.accepted) {
      const ckCursor: JobCheckpointCursor = { txid: page.end.toString(), job: spec.jobId, kind: spec.kind, base: spec.base, chunks: chunkIndex };
      ArtifactStore.writeAtomic(jobPath, encodeLearnerCheckpoint(learner, { cursor: ckCursor as unknown as Record<string, string>, features }));
      if (spec.fault === 'crash-mid-step') crashOnce(spec);
    }
    progress(Math.min(0.85, (0.85 * rowsDone) / total), `chunk ${chunkIndex} of ${nChunks + chunksDone} learnt`);
    buffer = [];
    bufferRows = 0;
    tr = Date.now();
  }
  const events = sortWindow(finalEvents ?? buffer);
  run.chunks = chunkIndex + 1;

  // the last chunk: its newest first-time positives are held out for the gate
  const split = holdoutSplit(events, features, spec.holdoutShare, spec.minPositives);
  if (!split) {
    return skip(
      `the window holds too few first-time positives for the gate: it holds out at least ${spec.minPositives} (GATE_MIN_POSITIVES) and needs more to train on`,
    );
  }
  const r = step(feed(events.slice(0, split.split)), Math.max(1, Math.round((bufferRows * split.split) / Math.max(1, events.length))));
  if (spec.fault === 'crash-mid-step') crashOnce(spec);
  progress(0.85, 'step taken');
  run.pool = reports.reduce((s, x) => s + x.pool, 0);
  run.selected = reports.reduce((s, x) => s + x.selected, 0);
  run.examples = reports.reduce((s, x) => s + x.examples, 0);
  run.teacherStepped = reports.some((x) => x.teacherStepped);
  run.readSeconds = readSeconds;
  run.trainSeconds = trainSeconds;
  run.examplesPerSecond = trainSeconds > 0 ? Number(run.examples) / trainSeconds : 0;
  run.heldOut = split.heldOut;
  run.heldOutOrganic = split.organic;

  // the candidate's serving model, built before the held-out slice touches the learner
  const ta = Date.now();
  let serving: ServingModel | null = null;
  let finite = r.accepted;
  if (r.accepted) {
    const vectors = learner.itemVectors().vectors.slice();
    if (spec.fault === 'nan-weights') vectors[0] = Number.NaN;
    serving = ServingModel.fromModel(learner.student, 'int8', { modelVersion: spec.candidate, parentVersion: spec.kind === 'full' ? null : spec.base, cursor: { ...cursor } }, learner.wideHalves(), { vectors });
    // the learner's float vectors carry every weight's effect (int8 storage would hide a NaN as a zero code)
    for (let i = 0; i < vectors.length && finite; i++) if (!Number.isFinite(vectors[i])) finite = false;
    const v = serving.itemVectors();
    for (let i = 0; i < v.length && finite; i++) if (!Number.isFinite(v[i])) finite = false;
  }
  let artifactSeconds = (Date.now() - ta) / 1000;

  // the held-out slice: features move through it, samples are ranked by candidate and baseline
  const tg = Date.now();
  const samples: HeldOutSample[] = [];
  const sampleIdx: { target: number; exclude: Set<number> }[] = [];
  const heldExamples: TrainExample[] = [];
  const cat = features.catalog;
  for (let j = split.split; j < events.length; j++) {
    const e = events[j];
    if (e.kind === 'product') {
      features.apply(e);
      if (e.type === 'product_upsert') learner.addProduct(cat.index.get(e.itemId) as number);
      continue;
    }
    if (!isPositive(e)) continue;
    const ex = features.exampleFor(e);
    if (split.eligible[j]) {
      const recent = Array.from(ex.hist, (i) => cat.ids[i]);
      samples.push(heldOutSample(e, recent));
      sampleIdx.push({ target: ex.target, exclude: new Set(ex.hist) });
    }
    features.apply(e);
    heldExamples.push(ex);
  }
  // a seeded uniform sample of the slice when it is larger than the gate ranks
  let picked = samples.map((_, i) => i);
  if (picked.length > spec.maxGateSamples) {
    const rng = new Rng(11);
    for (let i = picked.length - 1; i > 0; i--) {
      const k = rng.int(i + 1);
      [picked[i], picked[k]] = [picked[k], picked[i]];
    }
    picked = picked.slice(0, spec.maxGateSamples).sort((a, b) => a - b);
  }
  const gateSamples = picked.map((i) => samples[i]);
  let candidate = NONE;
  if (serving && finite) {
    const ev = serving.evaluate(gateSamples);
    candidate = scores(ev, gateSamples.length - ev.skipped, ev.skipped);
  }
  let baseline: HeldOutScores;
  if (spec.base) {
    const active = ServingModel.load(store.read(spec.base, MODEL_FILE));
    const ev = active.evaluate(gateSamples);
    baseline = scores(ev, gateSamples.length - ev.skipped, ev.skipped);
  } else {
    // the popularity fallback: positives counted in this run, the user's recent items left out
    const counts = new Float32Array(cat.size);
    for (const [i, n] of popularity) counts[i] = n;
    const acc = new HeldOutAccumulator();
    for (const i of picked) acc.add(rankOf(counts, sampleIdx[i].target, 10, sampleIdx[i].exclude, cat.active));
    const m = acc.result();
    baseline = { ...scores(m, picked.length, 0), loss: null };
  }
  const gateSeconds = (Date.now() - tg) / 1000;
  progress(0.95, 'gate measured');

  // the held-out slice is learnt at the next step: it travels in the checkpoint as pending samples
  for (const ex of heldExamples) learner.addSample(ex);
  let files: Record<string, StoredFile> | undefined;
  const tw = Date.now();
  if (serving) {
    serving.setMetrics({ hr: candidate.hr, ndcg: candidate.ndcg, loss: candidate.loss, samples: candidate.samples });
    const modelBytes = serving.save();
    const ckptBytes = encodeLearnerCheckpoint(learner, { cursor: { ...cursor }, features });
    files = store.publish(spec.candidate, { [MODEL_FILE]: modelBytes, [CHECKPOINT_FILE]: ckptBytes });
  }
  artifactSeconds += (Date.now() - tw) / 1000;
  run.gateSeconds = gateSeconds;
  run.artifactSeconds = artifactSeconds;
  run.items = cat.size;
  run.seconds = (Date.now() - t0) / 1000;
  progress(0.99, 'artifact written');
  return {
    built: true,
    cursor,
    files,
    finite,
    candidate,
    baseline,
    baselineKind: spec.base ? 'active' : 'popular',
    run,
    ...(r.accepted ? {} : { reason: r.reason ?? 'the step was undone' }),
  };
}

function heldOutSample(e: InteractionEvent, recentItemIds: string[]): HeldOutSample {
  const device = e.context?.device;
  return {
    userId: e.userId,
    recentItemIds,
    context: { ts: e.ts, ...(typeof device === 'string' ? { device } : {}) },
    targetItemId: e.itemId,
    seenItemIds: recentItemIds,
  };
}
