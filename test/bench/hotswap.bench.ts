/**
 * `hotswap`: activations under load. Four versions over the same 100k-item catalog (a short step on the shop's first
 * 20,000 clicks, then one more step on the next 2,000 for each further version: different weights, same size) are
 * stored and registered, the first active; every user's clicks are in Redis. Against the API started from source
 * (API_WORKERS=1): `GET /v1/recommendations` for users with a history at 500 requests/s (open loop) for 30 s without activations (the steady
 * figures), then 30 s more in the same process with the other three versions activated through
 * `POST /v1/admin/models/{v}/activate` at 7.5 s, 15 s and 22.5 s. Prints the errors, p99 steady vs during the swaps
 * and their ratio (goal <= 1.5), the p99 of requests sent in the 3 s after each activation, the answers per version,
 * and the time from each activation request to the first answer from its version. A third run of 30 s swaps back
 * through three versions with the pointer moved from the bench process (PostgreSQL and the Redis broadcast, no admin
 * request to the API), which separates the cost of loading from that of the activation request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '@recsys/storage';
import { IngestFixture } from '../support/ingest-fixture';
import type { RunningService } from '../support/services';
import { isolatedConfig } from '../support/test-env';
import { answerVersion, deleteRedisKeys, freePort, hostBusyShare, hostCpu, isFrom, loggedLoadMs, picker, round, serviceProblems, startApi, treeMemory, waitForVersion } from './support/api-process';
import { activateVersion, buildCatalogModels, publishVersions, writeHistories } from './support/catalog-model';
import { briefFigures, openLoop, summarize, type OpenLoopRequest, type OpenLoopResult } from './support/open-loop';

const RATE = 500;
const DURATION_MS = 30_000;
const WARM_UP_MS = 3000;
/** When the activations are sent, from the start of the swap run. */
const ACTIVATE_AT_MS = [7500, 15_000, 22_500];
/** Requests sent this long after an activation make its window. */
const WINDOW_MS = 3000;
const GOAL_RATIO = 1.5;
const TOKEN = 'hotswap-bench-token';

interface Activation {
  version: string;
  atS: number;
  sentAt: number;
  status?: number;
  requestMs?: number;
  error?: string;
  firstAnswerAt?: number;
}

export async function run(): Promise<Record<string, unknown>> {
  const loadAverage = os.loadavg()[0];
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-hotswap-bench-'));
  const config = isolatedConfig({ HOST: '127.0.0.1', LOG_LEVEL: 'info', MODEL_DIR: modelDir, API_WORKERS: '1', ADMIN_TOKEN: TOKEN, PORT: String(await freePort()) });
  const fx = new IngestFixture(config);
  await fx.setUp();
  const ds = await openDatabase(config, { poolSize: 2 });
  let api: RunningService | null = null;
  try {
    const models = await buildCatalogModels({ versions: 1 + ACTIVATE_AT_MS.length });
    const [first, ...others] = models.versions.map((v) => v.version);
    await publishVersions(ds, config, models.versions, first);
    await writeHistories(config, models.shop.interactions);
    process.stderr.write(`[hotswap bench] ${models.versions.length} versions of ${models.items.length} items built (train ${models.trainSeconds} s, build ${models.buildSeconds} s)\n`);

    const pick = picker(11);
    // users with a history only: every answer comes from the served model (the swap's cost, not the cold-start path's)
    const requests: OpenLoopRequest[] = Array.from({ length: 10_000 }, () => ({ path: `/v1/recommendations?userId=${encodeURIComponent(models.users[pick(models.users.length)])}&k=10` }));
    const request = (i: number) => requests[i % requests.length];

    api = await startApi(config);
    await waitForVersion(api, first);
    const url = api.url;
    await openLoop({ url, rate: RATE, durationMs: WARM_UP_MS, request });
    const steadyVersions: Record<string, number> = {};
    const host0 = hostCpu();
    const steady = await openLoop({
      url,
      rate: RATE,
      durationMs: DURATION_MS,
      request,
      onResponse: (r) => {
        if (r.status >= 200 && r.status < 300) count(steadyVersions, answerVersion(r.body));
      },
    });
    const steadyHostBusy = hostBusyShare(host0);
    const rssBefore = treeMemory(api.proc.pid as number);

    const viaApi = await swapRun(api, request, others, (v) => activateOverHttp(url, v));
    // the same swaps with the pointer moved from outside the API (PostgreSQL and the broadcast): what loading costs
    // without the activation request's own work in the serving process
    const viaRegistry = await swapRun(api, request, [first, ...others.slice(0, -1)], (v) => activateVersion(ds, config, v).then(() => ({ status: 200 })));
    const rssAfter = treeMemory(api.proc.pid as number);
    const ratio = steady.p99 > 0 ? round(viaApi.result.p99 / steady.p99) : null;
    return {
      catalogItems: models.items.length,
      versions: models.versions.length,
      artifactBytes: models.versions[0].bytes.length,
      targetRate: RATE,
      durationS: DURATION_MS / 1000,
      errorsSteady: steady.errors,
      errorsDuringSwaps: viaApi.result.errors,
      p99MsSteady: steady.p99,
      p99MsDuringSwaps: viaApi.result.p99,
      p99Ratio: ratio,
      goalP99Ratio: GOAL_RATIO,
      p99MsWithin3sOfActivations: viaApi.figures.p99MsWithin3sOfActivations,
      steady: { ...briefFigures(steady), hostBusyShareOfAllCores: steadyHostBusy },
      answersByVersionSteady: steadyVersions,
      duringSwaps: viaApi.figures,
      duringSwapsActivatedViaRegistry: { ...viaRegistry.figures, p99Ratio: steady.p99 > 0 ? round(viaRegistry.result.p99 / steady.p99) : null },
      apiRssMBBeforeSwaps: rssBefore.rssMB,
      apiRssMBAfterSwaps: rssAfter.rssMB,
      apiPeakRssMB: rssAfter.peakRssMB,
      apiProblems: serviceProblems(api.output()),
      loadAverageBefore: loadAverage,
      loadAverageAfter: os.loadavg()[0],
      cores: os.cpus().length,
    };
  } finally {
    await api?.stop();
    await ds.destroy();
    await fx.tearDown();
    await deleteRedisKeys(config.REDIS_URL, config.REDIS_PREFIX).catch(() => undefined);
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
}

/**
 * One run at RATE for DURATION_MS with `versions` activated at ACTIVATE_AT_MS: the load's figures, the answers per
 * version, the p99 of the requests sent within WINDOW_MS of an activation, and per activation its request time and the
 * time to the first answer from its version.
 */
async function swapRun(
  api: RunningService,
  request: (i: number) => OpenLoopRequest,
  versions: readonly string[],
  activate: (version: string) => Promise<{ status: number; error?: string }>,
): Promise<{ result: OpenLoopResult; figures: Record<string, unknown> }> {
  const byVersion: Record<string, number> = {};
  const activations: Activation[] = [];
  const timers: NodeJS.Timeout[] = [];
  const host0 = hostCpu();
  const send = async (version: string, atMs: number) => {
    const a: Activation = { version, atS: atMs / 1000, sentAt: performance.now() };
    activations.push(a);
    try {
      Object.assign(a, await activate(version));
    } catch (err) {
      a.error = err instanceof Error ? err.message : String(err);
    }
    a.requestMs = performance.now() - a.sentAt;
  };
  const result = await openLoop({
    url: api.url,
    rate: RATE,
    durationMs: DURATION_MS,
    request,
    onStart: (t0) => {
      ACTIVATE_AT_MS.forEach((at, k) => timers.push(setTimeout(() => void send(versions[k], at), Math.max(0, t0 + at - performance.now()))));
    },
    onResponse: (r) => {
      if (r.status < 200 || r.status >= 300) return;
      const v = answerVersion(r.body);
      count(byVersion, v);
      const a = activations.find((x) => isFrom(v, x.version));
      if (a && a.firstAnswerAt === undefined && r.doneAt >= a.sentAt) a.firstAnswerAt = r.doneAt;
    },
  });
  timers.forEach(clearTimeout);
  const hostBusy = hostBusyShare(host0);
  const windowLatencies: number[] = [];
  for (const a of activations) {
    for (let i = 0; i < result.count; i++) {
      if (result.scheduledAt[i] >= a.sentAt && result.scheduledAt[i] < a.sentAt + WINDOW_MS) windowLatencies.push(result.latencyMs[i]);
    }
  }
  const windows = summarize(windowLatencies);
  const logged = loggedLoadMs(api.output());
  return {
    result,
    figures: {
      ...briefFigures(result),
      hostBusyShareOfAllCores: hostBusy,
      p99MsWithin3sOfActivations: windows.p99,
      maxMsWithin3sOfActivations: windows.max,
      answersByVersion: byVersion,
      activations: activations.map((a) => ({
        version: a.version,
        atS: a.atS,
        status: a.status ?? null,
        ...(a.error ? { error: a.error } : {}),
        activateRequestMs: a.requestMs === undefined ? null : round(a.requestMs),
        toFirstAnswerMs: a.firstAnswerAt === undefined ? null : round(a.firstAnswerAt - a.sentAt),
        apiLoggedLoadMs: logged[a.version] ?? null,
      })),
    },
  };
}

async function activateOverHttp(url: string, version: string): Promise<{ status: number; error?: string }> {
  const res = await fetch(`${url}/v1/admin/models/${version}/activate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: '{}',
  });
  const body = await res.text();
  return res.ok ? { status: res.status } : { status: res.status, error: body.slice(0, 300) };
}

function count(counts: Record<string, number>, v: string): void {
  counts[v] = (counts[v] ?? 0) + 1;
}
