/**
 * `trainer`: an hour of events through the trainer service. A seeded synthetic shop (20,000 products in 100
 * categories, 51,500 users) is written straight into PostgreSQL in transactions of 5,000 rows, as ingest stores it (so
 * the bench measures the trainer, not ingestion): first the products and 30,000 clicks, which a first run learns from
 * nothing and publishes as the active version; then a window of 1,000,000 clicks (its write time reported as
 * `loadSeconds`), learnt by one incremental job through the service started from source with the default configuration
 * (an isolated schema, Redis prefix and model directory aside; ML_BACKEND from the environment, default `wasm`).
 * Prints the measured run's figures (read, step, gate, artifact) and the share of an hour that one step over an hour
 * of events at 2,000 events/s (a 7.2 M-event window) would take on this machine, with how it was derived.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { CONFIG_SCHEMA } from '@recsys/config';
import { JobName, QueueName } from '@recsys/contracts';
import { bullConnection, type TrainingJobResult } from '@recsys/jobs';
import { openDatabase } from '@recsys/storage';
import { generateShop, type MlEvent } from '../../ml';
import { startService, type RunningService } from '../support/services';
import { storeEvents } from '../support/stored-shop';
import { dropSchema, eventually, isolatedConfig } from '../support/test-env';
import { deleteRedisKeys, freePort } from './support/api-process';

/**
 * The shop: 20,000 products in 100 categories and 51,500 users x 20 clicks. The first HISTORY clicks (with the products)
 * are learnt by a first run from nothing, which publishes the active version; the next 1,000,000 clicks are the window
 * of the measured run: an incremental step continuing that version, as the hourly step does.
 */
const CATEGORIES = 100;
const ITEMS_PER_CATEGORY = 200;
const USERS = 51_500;
const CLICKS_PER_USER = 20;
const HISTORY = 30_000;
const WINDOW = 1_000_000;
const PER_TRANSACTION = 5000;
/** An hour of events at 2,000 events/s. */
const HOUR_EVENTS = 2000 * 3600;
/** How long one job may take before the bench gives up. */
const JOB_TIMEOUT_MS = 30 * 60_000;

export async function run(): Promise<Record<string, unknown>> {
  const backend = process.env.ML_BACKEND || 'wasm';
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-trainer-bench-'));
  const port = await freePort();
  const config = isolatedConfig({ MODEL_DIR: modelDir, TRAINER_PORT: String(port), HOST: '127.0.0.1', ML_BACKEND: backend, LOG_LEVEL: 'info' });
  const defaults = CONFIG_SCHEMA.parse({});
  let service: RunningService | null = null;
  let queue: Queue | null = null;
  const ds = await openDatabase(config, { poolSize: 2 });
  try {
    const shop = generateShop({ seed: 3, categories: CATEGORIES, itemsPerCategory: ITEMS_PER_CATEGORY, users: USERS, clicksPerUser: CLICKS_PER_USER });
    const history: MlEvent[] = [...shop.products, ...shop.interactions.slice(0, HISTORY)];
    const window: MlEvent[] = shop.interactions.slice(HISTORY, HISTORY + WINDOW);
    if (window.length !== WINDOW) throw new Error(`the shop has ${shop.interactions.length} clicks, fewer than ${HISTORY + WINDOW}`);
    service = await startService('trainer', config, port);
    queue = new Queue(QueueName.Training, { connection: bullConnection(config), prefix: `${config.REDIS_PREFIX}:bull` });
    const runJob = async (): Promise<{ jobId: string; result: TrainingJobResult; wallSeconds: number }> => {
      const jobId = `manual-${randomUUID()}`;
      const t = Date.now();
      // one attempt: a failed run is the bench's answer, not something to retry
      await queue!.add(JobName.IncrementalStep, { mode: 'incremental', trigger: { by: 'test' } }, { jobId, attempts: 1 });
      let state = 'waiting';
      const done = await eventually(
        async () => {
          if (service?.proc.exitCode !== null) throw new Error(`the trainer exited (code ${service?.proc.exitCode}):\n${tail(service?.output() ?? '')}`);
          state = (await queue?.getJobState(jobId)) ?? 'unknown';
          return state === 'completed' || state === 'failed';
        },
        JOB_TIMEOUT_MS,
        250,
      );
      const job = await queue!.getJob(jobId);
      if (!done) throw new Error(`job ${jobId} still ${state} after ${JOB_TIMEOUT_MS / 1000} s:\n${tail(service!.output())}`);
      if (state === 'failed') throw new Error(`job ${jobId} failed: ${job?.failedReason}\n${tail(service!.output())}`);
      const result = job?.returnvalue as TrainingJobResult;
      if (result.outcome === 'skipped') throw new Error(`job ${jobId} was skipped: ${result.reason}; run ${JSON.stringify(result.run)}`);
      return { jobId, result, wallSeconds: (Date.now() - t) / 1000 };
    };

    // the active version the measured step continues from
    await storeEvents(ds, history, PER_TRANSACTION);
    const first = await runJob();
    if (first.result.outcome !== 'published') throw new Error(`the first run did not publish: ${first.result.reason}`);
    process.stderr.write(`trainer bench: first version ${first.result.modelVersion} from ${history.length} events in ${round(first.wallSeconds)} s\n`);

    // the window, written as ingest stores it (not measured as the trainer's)
    const tl = Date.now();
    await storeEvents(ds, window, PER_TRANSACTION);
    const loadSeconds = (Date.now() - tl) / 1000;
    // the tables are analyzed as autovacuum would soon after such a load (the reader's plans depend on it)
    await ds.query('ANALYZE interactions');
    await ds.query('ANALYZE products');
    process.stderr.write(`trainer bench: ${window.length} events stored in ${loadSeconds.toFixed(1)} s\n`);
    const { result, wallSeconds: jobWallSeconds } = await runJob();
    const r = result.run as Record<string, number | string | boolean>;
    const num = (k: string): number => (typeof r[k] === 'number' ? (r[k] as number) : Number.NaN);
    const rows = (await ds.query(`SELECT status, size_bytes, checkpoint_bytes, gate FROM model_versions WHERE version = $1`, [result.modelVersion ?? ''])) as {
      status: string;
      size_bytes: string | null;
      checkpoint_bytes: string | null;
      gate: { against?: { kind?: string } } | null;
    }[];
    const model = rows[0];

    // figures of the run
    const windowRows = num('windowRows');
    const readSeconds = num('readSeconds');
    const trainSeconds = num('trainSeconds');
    const gateSeconds = num('gateSeconds');
    const artifactSeconds = num('artifactSeconds');
    const runSeconds = num('seconds');
    const totalSeconds = num('totalSeconds');
    const stepExamples = num('examples');
    const chunks = num('chunks');
    const budgetExamples = defaults.TRAIN_BUDGET_EXAMPLES;
    const chunkEvents = defaults.TRAIN_CHUNK_EVENTS;
    const readEventsPerSecond = windowRows / readSeconds;
    // the rest of the thread's run: features and samples of each chunk, sorting, the progress checkpoints, the split
    const otherSeconds = Math.max(0, runSeconds - readSeconds - trainSeconds - gateSeconds - artifactSeconds);
    // around the thread: the lock, the registry row, retention
    const serviceSeconds = Math.max(0, totalSeconds - runSeconds);

    // an hour of events at 2,000 events/s through the trainer as it is configured: reading and the per-event work
    // (features, samples, sorting, the chunks' progress checkpoints) grow with the events; the step does not, since
    // TRAIN_BUDGET_EXAMPLES bounds the continuing run across its chunks (the measured window is past the budget already)
    const scale = HOUR_EVENTS / windowRows;
    const readHour = HOUR_EVENTS / readEventsPerSecond;
    const pastBudget = num('pool') > budgetExamples;
    const trainHour = pastBudget ? trainSeconds : trainSeconds * scale;
    const otherHour = otherSeconds * scale;
    const gateAgainst = model?.gate?.against?.kind ?? 'unknown';
    const stepHour = readHour + trainHour + otherHour + gateSeconds + artifactSeconds + serviceSeconds;
    // the service's own warnings and errors during the run (Nest's logger: ` WARN ` / ` ERROR `)
    const serviceWarnings = service
      .output()
      .split('\n')
      .filter((l) => / (WARN|ERROR) /.test(l))
      .slice(0, 10)
      .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').slice(0, 300));

    const cpus = os.cpus();
    return {
      events: window.length,
      historyEvents: history.length,
      firstRunSeconds: round(first.wallSeconds),
      backend: r.backend ?? backend,
      outcome: result.outcome,
      modelVersion: result.modelVersion,
      reason: result.reason,
      windowRows,
      loadSeconds: round(loadSeconds),
      loadEventsPerSecond: Math.round(window.length / loadSeconds),
      readSeconds: round(readSeconds),
      readEventsPerSecond: Math.round(readEventsPerSecond),
      chunks,
      pool: num('pool'),
      selected: num('selected'),
      stepExamples,
      stepExamplesPerSecond: Math.round(stepExamples / trainSeconds),
      trainSeconds: round(trainSeconds),
      teacherStepped: r.teacherStepped,
      heldOut: r.heldOut,
      gateSeconds: round(gateSeconds),
      gateAgainst,
      gateSamples: (result.metrics as { samples?: number }).samples ?? null,
      hr: (result.metrics as { hr?: number }).hr ?? null,
      ndcg: (result.metrics as { ndcg?: number }).ndcg ?? null,
      artifactSeconds: round(artifactSeconds),
      artifactBytes: model?.size_bytes === null || model?.size_bytes === undefined ? null : Number(model.size_bytes),
      checkpointBytes: model?.checkpoint_bytes === null || model?.checkpoint_bytes === undefined ? null : Number(model.checkpoint_bytes),
      otherSeconds: round(otherSeconds),
      runSeconds: round(runSeconds),
      totalSeconds: round(totalSeconds),
      jobWallSeconds: round(jobWallSeconds),
      serviceWarnings,
      budgetExamples,
      chunkEvents,
      hourEvents: HOUR_EVENTS,
      hourReadSeconds: round(readHour),
      hourTrainSeconds: round(trainHour),
      hourOtherSeconds: round(otherHour),
      hourStepSeconds: round(stepHour),
      hourShareAt2000PerSecond: round4(stepHour / 3600),
      assumptions:
        `one incremental step over ${HOUR_EVENTS} events (2,000/s for an hour), continuing the active version = read at the measured rate ` +
        `(${round(readHour)} s) + the step ${pastBudget ? 'as measured (the window already held more samples than TRAIN_BUDGET_EXAMPLES, which bounds the run)' : 'scaled with events'} ` +
        `(${round(trainHour)} s; the teacher ${r.teacherStepped ? 'stepped in this run' : 'did not step in this run: it steps every 4th step, on a backlog held to the same budget'}) ` +
        `+ the per-event rest scaled with events (${round(otherHour)} s) + the gate and the artifact as measured (same catalog, at most GATE_MAX_SAMPLES ranked) ` +
        `+ the service's own time (${round(serviceSeconds)} s); everything on this machine, PostgreSQL sharing its cores`,
      machine: { cores: cpus.length, cpu: cpus[0]?.model.trim() ?? 'unknown', memoryBytes: os.totalmem() },
    };
  } finally {
    if (service) await service.stop();
    if (queue) {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
    await deleteRedisKeys(config.REDIS_URL, config.REDIS_PREFIX).catch(() => undefined);
    await ds.destroy();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
}


function tail(s: string, n = 4000): string {
  return s.length > n ? s.slice(-n) : s;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
