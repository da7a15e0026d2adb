/**
 * `model` benchmark: the serving model at 100k items and the student's figures.
 * - A 100k-item synthetic catalog (100 categories x 1,000 items, 2,000 users x 20 clicks, one training step): the
 *   artifact's build time (the candidate index included), the size of the student model (its learned weights at int8
 *   and the memory's serving state: what the <= 10 MB for 100k items is about) and of the whole serving bundle (final
 *   vectors, item inputs, content rows, memory, index), the load time, the RSS of a process holding it (a child that
 *   loads only @recsys/ml-serving: RSS before and after the load), recall@10 of the indexed path against the exact
 *   scan over the same full score, and the single-thread latency of one `recommend` (p50, p99), indexed and exact.
 *   Then the API (from source, API_WORKERS=1) serving that artifact: activation to first answer, its logged load time,
 *   and its RSS (process and children) with the fallback and serving the model (goal <= 1 GiB).
 * - MovieLens-small by path (../shared/data/movielens-small from the repo root; never copied), trained with weekly
 *   steps: recall@10 of the indexed path; then the fp32 vs int8 HR@10 of the student under the prequential protocol
 *   (weekly steps, every 5th eligible positive scored). Without that folder it says so and skips both.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { selectBackend, type BackendName } from '../../ml/core/backend';
import {
  ContinualLearner,
  FeatureState,
  INDEX_MIN_ITEMS,
  DEFAULT_NPROBE,
  ServingModel,
  convertMovieLens,
  feedEvents,
  generateShop,
  halfWeights,
  packedBytes,
  packPairs,
  parseEventLine,
  runEval,
  shopEvents,
  sortEvents,
  type InteractionEvent,
  type MlEvent,
} from '../../ml';
import { openDatabase } from '@recsys/storage';
import { IngestFixture } from '../support/ingest-fixture';
import type { RunningService } from '../support/services';
import { isolatedConfig } from '../support/test-env';
import { deleteRedisKeys, freePort, loggedLoadMs, startApi, treeMemory, waitForVersion } from './support/api-process';
import { activateVersion, publishVersions, writeHistories } from './support/catalog-model';

const ROOT = path.resolve(__dirname, '../..');
const MOVIELENS = path.resolve(ROOT, '../shared/data/movielens-small');
const WEEK_MS = 7 * 24 * 3600_000;
const MB = 1024 * 1024;

/**
 * Bytes of the student's learned weights at int8 (rows as int8 codes + a float32 scale + a 4-byte key), its memory and
 * its item regression (as the artifact ships them: packed, the memory at half precision).
 */
function studentBytes(learner: ContinualLearner): Record<string, number> {
  const m = learner.student;
  const d = m.cfg.dim;
  const rows = (n: number, width: number) => n * (width + 4 + 4);
  const dense = Array.from(m.dense.values()).reduce((s, p) => s + p.value.length * 4, 0);
  // the wide halves as the artifact stores them: packed, the memory's weights at half precision
  const memory = packedBytes(packPairs(halfWeights(learner.memory.servingState(100))));
  const reg = learner.regression?.servingState();
  const regression = reg ? packedBytes(packPairs(reg)) : 0;
  const parts = {
    idRows: rows(m.item.size, d),
    contentRows: rows(m.token.size, d),
    contextRows: rows(m.ctx.size, d),
    // the id bias: one float32 and its key per row
    biasRows: m.bias.size * 8,
    dense,
    memory,
    regression,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

interface Query {
  recent: string[];
  exclude: string[];
}

function queriesOf(features: FeatureState, users: Iterable<string>): Query[] {
  const ids = features.catalog.ids;
  return Array.from(users, (u) => ({
    recent: Array.from(features.recentFirst(u), (i) => ids[i]),
    exclude: Array.from(features.users.get(u)?.positives ?? [], (i) => ids[i]),
  }));
}

/** recall@10 of the indexed path against the exact scan (the same full score), over the queries. */
function recallAt10(serving: ServingModel, queries: readonly Query[]): number {
  let recall = 0;
  for (const q of queries) {
    const exact = serving.recommend(q.recent, 10, { ts: 0 }, q.exclude, { retrieval: 'exact' }).map((r) => r.itemId);
    const got = new Set(serving.recommend(q.recent, 10, { ts: 0 }, q.exclude, { retrieval: 'index' }).map((r) => r.itemId));
    recall += exact.filter((id) => got.has(id)).length / Math.max(1, exact.length);
  }
  return recall / Math.max(1, queries.length);
}

/**
 * Milliseconds of one recommend per query (each timed alone), after a warm-up pass: wall time, and the process's CPU
 * time over the same call (on a shared machine the wall-time tail holds the time the process was not running).
 */
function latencies(serving: ServingModel, queries: readonly Query[], retrieval: 'exact' | 'index'): { p50: number; p99: number; mean: number; cpuP50: number; cpuP99: number } {
  for (const q of queries.slice(0, 100)) serving.recommend(q.recent, 10, { ts: 0 }, q.exclude, { retrieval });
  const ms: number[] = [];
  const cpu: number[] = [];
  for (const q of queries) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    serving.recommend(q.recent, 10, { ts: 0 }, q.exclude, { retrieval });
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    const dc = process.cpuUsage(c);
    cpu.push((dc.user + dc.system) / 1e3);
  }
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), mean, cpuP50: percentile(cpu, 0.5), cpuP99: percentile(cpu, 0.99) };
}

/** RSS of a fresh process that imports @recsys/ml-serving, before and after it loads the artifact file. */
function holdingRss(file: string): Record<string, number> {
  const script = [
    "const { ServingModel } = require('./ml/serving/index.ts');",
    "const fs = require('fs');",
    'global.gc(); const before = process.memoryUsage();',
    `const t = process.hrtime.bigint(); const s = ServingModel.load(fs.readFileSync(${JSON.stringify(file)}));`,
    'const loadMs = Number(process.hrtime.bigint() - t) / 1e6;',
    'global.gc(); const after = process.memoryUsage();',
    'process.stdout.write(JSON.stringify({ before: before.rss, after: after.rss, heap: after.heapUsed - before.heapUsed, buffers: after.arrayBuffers - before.arrayBuffers, loadMs, items: s.size }));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--expose-gc', '-r', '@swc-node/register', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  const r = JSON.parse(out) as { before: number; after: number; heap: number; buffers: number; loadMs: number };
  return {
    rssBeforeLoadMB: r.before / MB,
    rssAfterLoadMB: r.after / MB,
    rssOfArtifactMB: (r.after - r.before) / MB,
    heapOfArtifactMB: r.heap / MB,
    arrayBuffersOfArtifactMB: r.buffers / MB,
    loadMsFreshProcess: r.loadMs,
  };
}

function synthetic100k(): { figures: Record<string, unknown>; bytes: Buffer } {
  const t0 = Date.now();
  const shop = generateShop({ seed: 3, categories: 100, itemsPerCategory: 1000, users: 2000, clicksPerUser: 20 });
  const features = new FeatureState();
  const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 3 });
  feedEvents(features, [learner], shopEvents(shop), 1e15);
  const trainSeconds = (Date.now() - t0) / 1000;
  process.stderr.write(`[model bench] 100k catalog trained in ${trainSeconds} s\n`);
  const vectors = learner.itemVectors().vectors;
  const memory = learner.wideHalves();
  const t1 = Date.now();
  const serving = ServingModel.fromModel(learner.student, 'int8', { modelVersion: 'bench' }, memory, { vectors });
  const buildSeconds = (Date.now() - t1) / 1000;
  process.stderr.write(`[model bench] artifact built in ${buildSeconds} s\n`);
  const bytes = serving.save();
  const fp32Bytes = ServingModel.fromModel(learner.student, 'fp32', { modelVersion: 'bench' }, memory, { vectors, index: false }).save().length;
  const file = path.join(os.tmpdir(), `recsys-model-bench-${process.pid}.bin`);
  fs.writeFileSync(file, bytes);
  let loadMs = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = process.hrtime.bigint();
    ServingModel.load(fs.readFileSync(file));
    loadMs = Math.min(loadMs, Number(process.hrtime.bigint() - t) / 1e6);
  }
  const rss = holdingRss(file);
  fs.unlinkSync(file);
  const queries = queriesOf(features, shop.preference.keys());
  const student = studentBytes(learner);
  const indexed = latencies(serving, queries, 'index');
  const exact = latencies(serving, queries, 'exact');
  const figures = {
    catalogItems: features.catalog.size,
    clicks: shop.interactions.length,
    trainSeconds,
    memoryWeight: learner.mixer.beta,
    memoryPairsServed: learner.memory.servingState(100).to.length,
    regressionWeight: learner.mixer.gamma,
    regressionPairsServed: learner.regression?.pairs ?? 0,
    regressionItems: learner.regression?.items ?? 0,
    studentModelBytesInt8: student.total,
    studentModelMBInt8: student.total / MB,
    studentModelParts: student,
    studentModelLimitBytes: 10 * MB,
    servingBundleBytesInt8: bytes.length,
    servingBundleMBInt8: bytes.length / MB,
    servingBundleBytesFp32NoIndex: fp32Bytes,
    artifactBuildSeconds: buildSeconds,
    loadMs,
    ...rss,
    indexLists: Math.round(Math.sqrt(features.catalog.size) / 2),
    nprobe: DEFAULT_NPROBE,
    recall10Indexed: recallAt10(serving, queries),
    recommendMsP50: indexed.p50,
    recommendMsP99: indexed.p99,
    recommendMsMean: indexed.mean,
    recommendCpuMsP50: indexed.cpuP50,
    recommendCpuMsP99: indexed.cpuP99,
    exactRecommendMsP50: exact.p50,
    exactRecommendMsP99: exact.p99,
    queries: queries.length,
  };
  return { figures, bytes };
}

/**
 * The API (started from source, API_WORKERS=1) serving the 100k-item artifact: the time from its activation (registry
 * pointer moved and broadcast) to the first answer from it, the load time the API logs, and the RSS of the API process
 * and its children before (the popularity fallback) and after it serves the model (200 answers in).
 */
async function apiServing(bytes: Buffer): Promise<Record<string, unknown>> {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-model-bench-api-'));
  const config = isolatedConfig({ HOST: '127.0.0.1', LOG_LEVEL: 'info', MODEL_DIR: modelDir, API_WORKERS: '1', PORT: String(await freePort()) });
  const fx = new IngestFixture(config);
  await fx.setUp();
  const ds = await openDatabase(config, { poolSize: 2 });
  let api: RunningService | null = null;
  try {
    api = await startApi(config);
    const pid = api.proc.pid as number;
    const fallback = treeMemory(pid);
    await publishVersions(ds, config, [{ version: 'v1', bytes }]);
    // histories for the users asked below, so that their answers go through the model's own ranking
    const clicks = Array.from({ length: 200 * 5 }, (_, k): InteractionEvent => ({ kind: 'interaction', eventId: `h-${k}`, type: 'click', userId: `u-${k % 200}`, itemId: `sku-${k % 100}-${k % 997}`, ts: Date.now() - 60_000 + k }));
    await writeHistories(config, clicks);
    const t = Date.now();
    await activateVersion(ds, config, 'v1');
    await waitForVersion(api, 'v1');
    const activationToServeMs = Date.now() - t;
    for (let i = 0; i < 200; i++) await (await fetch(`${api.url}/v1/recommendations?userId=u-${i}&k=10`)).arrayBuffer();
    const serving = treeMemory(pid);
    return {
      apiActivationToServeMs: activationToServeMs,
      apiLoggedLoadMs: loggedLoadMs(api.output()).v1 ?? null,
      apiRssMBFallback: fallback.rssMB,
      apiRssMBServing: serving.rssMB,
      apiPeakRssMB: serving.peakRssMB,
      apiRssGoalMB: 1024,
      apiProcesses: serving.processes,
    };
  } finally {
    await api?.stop();
    await ds.destroy();
    await fx.tearDown();
    await deleteRedisKeys(config.REDIS_URL, config.REDIS_PREFIX).catch(() => undefined);
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
}

function movieLensEvents(): MlEvent[] | null {
  if (!fs.existsSync(path.join(MOVIELENS, 'ratings.csv'))) return null;
  const parsed: MlEvent[] = [];
  convertMovieLens(MOVIELENS, (line) => {
    const e = parseEventLine(line);
    if (e) parsed.push(e);
  });
  return sortEvents(parsed);
}

function movieLensRecall(events: readonly MlEvent[]): Record<string, unknown> {
  const t0 = Date.now();
  const features = new FeatureState();
  const learner = new ContinualLearner(features.catalog, { teacher: false });
  feedEvents(features, [learner], events, WEEK_MS);
  const serving = ServingModel.fromModel(learner.student, 'int8', {}, learner.wideHalves(), { vectors: learner.itemVectors().vectors, forceIndex: true });
  const queries = queriesOf(features, features.users.keys());
  return {
    movieLensItems: features.catalog.size,
    movieLensUsers: queries.length,
    movieLensMemoryWeight: learner.mixer.beta,
    movieLensRecall10Indexed: recallAt10(serving, queries),
    movieLensUsesIndexByDefault: features.catalog.size >= INDEX_MIN_ITEMS,
    movieLensSeconds: (Date.now() - t0) / 1000,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const backend = await selectBackend((process.env.ML_BACKEND as BackendName | undefined) ?? 'auto');
  const synthetic = synthetic100k();
  const figures: Record<string, unknown> = { backend: backend.name, loadAverage: os.loadavg()[0], indexMinItems: INDEX_MIN_ITEMS, ...synthetic.figures };
  try {
    Object.assign(figures, await apiServing(synthetic.bytes));
  } catch (err) {
    figures.apiServingError = err instanceof Error ? err.message.slice(0, 2000) : String(err);
  }
  process.stderr.write(`[model bench] API serving the 100k model: ${JSON.stringify({ rss: figures.apiRssMBServing, activationToServeMs: figures.apiActivationToServeMs, error: figures.apiServingError })}\n`);
  const events = movieLensEvents();
  if (!events) {
    figures.data = `MovieLens figures skipped: ${MOVIELENS} not found`;
    return figures;
  }
  figures.data = `movielens-small (${MOVIELENS})`;
  process.stderr.write(`[model bench] ${JSON.stringify(figures)}\n`);
  Object.assign(figures, movieLensRecall(events));
  process.stderr.write(`[model bench] MovieLens recall ${String(figures.movieLensRecall10Indexed)}\n`);
  const report = await runEval(events, { stepHours: 24 * 7, compareBudget: 0, withTeacher: false, withStatic: false, sampleEvery: 5, progress: false, log: () => undefined });
  const cmp = report.comparisons as Record<string, { hr: number; ndcg: number }>;
  figures.hr10Fp32 = cmp.fp32?.hr;
  figures.hr10Int8 = cmp.int8?.hr;
  figures.int8OverFp32 = cmp.fp32?.hr ? cmp.int8.hr / cmp.fp32.hr : null;
  figures.hr10Knn = report.results.knn.hr;
  figures.evaluated = report.evaluated;
  figures.protocol = 'prequential, step every 168 h, every 5th eligible positive scored';
  return figures;
}
