/**
 * `scoring`: the API under open-loop load with a 100k-item model. A seeded shop (100 categories x 1,000 items, 5,000
 * users x 20 clicks) gives one version trained by a short step on its first 20,000 clicks (int8, candidate index),
 * stored, registered and active; every user's clicks are in Redis (recent items, seen sets) as ingest writes them.
 * Against the API started from source, with API_WORKERS=1 and then API_WORKERS=2 (when the tree runs a cluster), in
 * this order after a 2 s warm-up: the generator's own floor (`GET /health/live` of the same API at the same rate, 5 s);
 * `GET /v1/recommendations?userId=...&k=10` at 1,000 requests/s for 15 s for users with a history only; `POST /v1/rank`
 * with 100 item ids at 300/s for 10 s; and the main figure, `GET /v1/recommendations` at 1,000/s for 30 s for users
 * drawn from those with a history (90%) and unknown ones (10%), also split by the two. Latency counts from each
 * request's scheduled send. With each run: the CPU the API (its processes), Redis and the whole machine spent; then
 * the API's RSS (its process and children) and the warnings and errors it logged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '@recsys/config';
import { openDatabase } from '@recsys/storage';
import { IngestFixture } from '../support/ingest-fixture';
import type { RunningService } from '../support/services';
import { isolatedConfig } from '../support/test-env';
import { answerVersion, deleteRedisKeys, freePort, hostBusyShare, hostCpu, picker, redisCpuSeconds, round, serviceProblems, startApi, waitForRedisIdle, treeCpuSeconds, treeMemory, waitForVersion } from './support/api-process';
import { buildCatalogModels, publishVersions, writeHistories } from './support/catalog-model';
import { briefFigures, openLoop, summarize, type OpenLoopRequest } from './support/open-loop';

const RATE = 1000;
const DURATION_MS = 30_000;
/** The generator's floor, the warm-up before the measured runs (not reported), and the run of users with a history only. */
const FLOOR_MS = 5000;
const WARM_UP_MS = 2000;
const KNOWN_ONLY_MS = 15_000;
const RANK_RATE = 300;
const RANK_DURATION_MS = 10_000;
const RANK_ITEMS = 100;
const UNKNOWN_SHARE = 0.1;
/** Distinct requests prepared (picked in turn at send time). */
const PREPARED = 10_000;
const WORKER_COUNTS = [1, 2];

export async function run(): Promise<Record<string, unknown>> {
  const loadAverage = os.loadavg()[0];
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-scoring-bench-'));
  const config = isolatedConfig({ HOST: '127.0.0.1', LOG_LEVEL: 'warn', MODEL_DIR: modelDir, API_WORKERS: '1' });
  const fx = new IngestFixture(config);
  await fx.setUp();
  const ds = await openDatabase(config, { poolSize: 2 });
  try {
    const models = await buildCatalogModels({ versions: 1 });
    const [{ version, bytes }] = models.versions;
    await publishVersions(ds, config, models.versions, version);
    const clicks = await writeHistories(config, models.shop.interactions);
    process.stderr.write(`[scoring bench] ${models.items.length} items, ${version} (${bytes.length} bytes) trained in ${models.trainSeconds} s, ${clicks} clicks in Redis\n`);

    const pick = picker(7);
    const ask = (userId: string): OpenLoopRequest => ({ path: `/v1/recommendations?userId=${encodeURIComponent(userId)}&k=10` });
    const unknown = Array.from({ length: PREPARED }, () => pick(1000) < UNKNOWN_SHARE * 1000);
    const prepared: Prepared = {
      unknown,
      mixed: unknown.map((u, i) => ask(u ? `nobody-${i}` : models.users[pick(models.users.length)])),
      known: Array.from({ length: PREPARED }, () => ask(models.users[pick(models.users.length)])),
      ranks: Array.from({ length: 1000 }, () => {
        const itemIds = Array.from({ length: RANK_ITEMS }, () => models.items[pick(models.items.length)]);
        const userId = models.users[pick(models.users.length)];
        return { method: 'POST', path: '/v1/rank', body: Buffer.from(JSON.stringify({ userId, itemIds })) };
      }),
    };

    const figures: Record<string, unknown> = {
      catalogItems: models.items.length,
      usersWithHistory: models.users.length,
      clicksInRedis: clicks,
      unknownUserShare: UNKNOWN_SHARE,
      backend: models.backend,
      trainSeconds: models.trainSeconds,
      artifactBuildSeconds: models.buildSeconds,
      artifactBytes: bytes.length,
      targetRate: RATE,
      durationS: DURATION_MS / 1000,
      loadAverageBefore: loadAverage,
      cores: os.cpus().length,
    };
    for (const workers of WORKER_COUNTS) {
      const key = `apiWorkers${workers}`;
      try {
        // what an earlier run queued in Redis (an overload) must not be measured by this one
        await waitForRedisIdle(config.REDIS_URL);
        figures[key] = await measure({ ...config, API_WORKERS: workers, PORT: await freePort() }, version, prepared);
      } catch (err) {
        figures[key] = { error: err instanceof Error ? err.message.slice(0, 2000) : String(err) };
      }
      process.stderr.write(`[scoring bench] ${key}: ${JSON.stringify(figures[key])}\n`);
    }
    figures.loadAverageAfter = os.loadavg()[0];
    return figures;
  } finally {
    await ds.destroy();
    await fx.tearDown();
    await deleteRedisKeys(config.REDIS_URL, config.REDIS_PREFIX).catch(() => undefined);
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
}

interface Prepared {
  /** Users with a history (90%) and unknown ones (10%), and which is which. */
  mixed: OpenLoopRequest[];
  unknown: boolean[];
  /** Users with a history only. */
  known: OpenLoopRequest[];
  ranks: OpenLoopRequest[];
}

async function measure(config: AppConfig, version: string, p: Prepared): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  let api: RunningService | null = null;
  try {
    api = await startApi(config);
    const pid = api.proc.pid as number;
    const processes = treeMemory(pid).processes;
    if (config.API_WORKERS > 1 && processes === 1) {
      return { workers: config.API_WORKERS, skipped: `API_WORKERS=${config.API_WORKERS} started one process: this tree runs no cluster` };
    }
    // with a cluster, requests spread over the workers: many answers in a row from the version mean all serve it
    await waitForVersion(api, version, { consecutive: 10 * config.API_WORKERS });
    const startToServeMs = Date.now() - t0;
    const idle = treeMemory(pid);
    const url = api.url;
    const from = (list: OpenLoopRequest[]) => (i: number) => list[i % list.length];
    /** One run with the CPU the API, Redis and the whole machine spent meanwhile, and the answers per version. */
    const measured = async (rate: number, durationMs: number, request: (i: number) => OpenLoopRequest) => {
      const byVersion: Record<string, number> = {};
      const cpu0 = treeCpuSeconds(pid);
      const redis0 = await redisCpuSeconds(config.REDIS_URL);
      const host0 = hostCpu();
      const w0 = Date.now();
      const result = await openLoop({
        url,
        rate,
        durationMs,
        request,
        onResponse: (r) => {
          if (r.status < 200 || r.status >= 300) return;
          const v = answerVersion(r.body);
          byVersion[v] = (byVersion[v] ?? 0) + 1;
        },
      });
      const wall = (Date.now() - w0) / 1000;
      const figures = {
        ...briefFigures(result),
        answersByVersion: byVersion,
        apiCpuShareOfOneCore: round((treeCpuSeconds(pid) - cpu0) / wall),
        redisCpuShareOfOneCore: round(((await redisCpuSeconds(config.REDIS_URL)) - redis0) / wall),
        hostBusyShareOfAllCores: hostBusyShare(host0),
      };
      return { result, figures };
    };

    await openLoop({ url, rate: RATE, durationMs: WARM_UP_MS, request: from(p.known) });
    const floor = await openLoop({ url, rate: RATE, durationMs: FLOOR_MS, request: () => ({ path: '/health/live' }) });
    const known = await measured(RATE, KNOWN_ONLY_MS, from(p.known));
    const rank = await measured(RANK_RATE, RANK_DURATION_MS, from(p.ranks));
    // last: while the unknown users' path overloads a shared resource, what runs after it would measure the backlog
    const mixed = await measured(RATE, DURATION_MS, from(p.mixed));
    const byClass = (want: boolean) => {
      const latencies: number[] = [];
      let errors = 0;
      for (let i = 0; i < mixed.result.count; i++) {
        if (p.unknown[i % p.unknown.length] !== want) continue;
        if (Number.isNaN(mixed.result.latencyMs[i])) errors++;
        else latencies.push(mixed.result.latencyMs[i]);
      }
      const q = summarize(latencies);
      return { count: latencies.length + errors, errors, p50Ms: q.p50, p99Ms: q.p99, maxMs: q.max };
    };
    const loaded = treeMemory(pid);
    return {
      workers: config.API_WORKERS,
      apiProcesses: processes,
      startToServeMs,
      recommendations: { ...mixed.figures, usersWithHistory: byClass(false), unknownUsers: byClass(true) },
      floorHealthLive: briefFigures(floor),
      recommendationsUsersWithHistoryOnly: known.figures,
      rank: { itemIds: RANK_ITEMS, ...rank.figures },
      apiRssMBIdle: idle.rssMB,
      apiRssMBAfterLoad: loaded.rssMB,
      apiPeakRssMB: loaded.peakRssMB,
      apiProblems: serviceProblems(api.output()),
    };
  } finally {
    await api?.stop();
  }
}
