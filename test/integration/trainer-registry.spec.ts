/**
 * The trainer and the model registry against the real broker, PostgreSQL and Redis: events in through Kafka, a
 * scheduled step publishing the first version, worse and non-finite candidates rejected, rollback seen by the API
 * within 5 s, a trainer killed mid-step whose job is retried from its checkpoint, one run at a time, and the audit log.
 */
import { Queue } from 'bullmq';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bullConnection, TrainingQueue } from '@recsys/jobs';
import { generateShop, type MlEvent } from '@recsys/ml';
import { IngestFixture } from '../support/ingest-fixture';
import { ShopSender } from '../support/shop-sender';
import { ROOT, RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

const TOKEN = 'trainer-test-token';

interface JobView {
  jobId: string;
  state: string;
  progress: number;
  attemptsMade: number;
  result?: { outcome: string; modelVersion: string | null; metrics: Record<string, number>; reason: string; run: Record<string, unknown> };
  error?: string;
}
interface ModelRow {
  version: string;
  status: string;
  parentVersion: string | null;
  kind: string;
  metrics: Record<string, number>;
  sizeBytes: number | null;
}

describe('trainer and model registry', () => {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-models-'));
  const config = isolatedConfig({
    PORT: '3931',
    INGEST_PORT: '3932',
    TRAINER_PORT: '3933',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: TOKEN,
    MODEL_DIR: modelDir,
    GATE_MIN_POSITIVES: '50',
    // the rejected candidates below are far worse; promoted ones need only not to collapse on a small slice
    GATE_TOLERANCE: '0.3',
    TRAIN_CHUNK_EVENTS: '1000',
    TRAIN_TEST_HOOKS: 'on',
    TRAIN_LOCK_MS: '2000',
    TRAIN_STALLED_INTERVAL_MS: '1000',
    REGISTRY_POLL_MS: '1000',
    ML_BACKEND: 'wasm',
  });
  const fx = new IngestFixture(config);
  const queue = new Queue('training', { connection: bullConnection(config), prefix: `${config.REDIS_PREFIX}:bull` });
  // the services' own producer side of the queue, over this test's connection
  const training = new TrainingQueue(queue, config);
  let api: RunningService;
  let ingest: RunningService;
  let trainer: RunningService | null = null;

  // a shop: products, then its clicks in three batches
  const shop = generateShop({ seed: 11, categories: 8, itemsPerCategory: 25, users: 240, clicksPerUser: 20 });
  const clicks = shop.interactions;
  const batchA = clicks.slice(0, Math.floor(clicks.length * 0.5));
  const batchB = clicks.slice(batchA.length, Math.floor(clicks.length * 0.7));
  const batchC = clicks.slice(batchA.length + batchB.length);

  const sender = new ShopSender(fx, shop.products.length);
  const send = (events: MlEvent[]) => sender.send(events);

  const admin = async <T>(method: string, route: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${api.url}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const models = async () => (await admin<ModelRow[]>('GET', '/v1/admin/models')).body;
  const activeVersion = async () => (await models()).find((m) => m.status === 'active')?.version ?? null;
  // waits on BullMQ itself (polling the admin API would fill the audit log the last test reads), then reads the job once
  const finished = async (jobId: string, timeoutMs = 240_000): Promise<JobView> => {
    let state = 'unknown';
    const done = await eventually(async () => {
      state = await queue.getJobState(jobId);
      return state === 'completed' || state === 'failed';
    }, timeoutMs, 250);
    if (!done) throw new Error(`job ${jobId} did not finish (${state})\n${trainer?.output().slice(-3000)}`);
    const r = await admin<JobView>('GET', `/v1/admin/jobs/${jobId}`);
    expect(r.status).toBe(200);
    return r.body;
  };
  const activeInDatabase = async (): Promise<string | null> =>
    (await fx.query<{ version: string }>(`SELECT version FROM model_versions WHERE status = 'active'`))[0]?.version ?? null;
  // a schedule that does not fire while the test runs, unless a test sets one
  const startTrainer = async (overrides: Record<string, string> = {}) => {
    trainer = await startService('trainer', { ...config, TRAIN_SCHEDULE: '0 0 1 1 *', ...overrides } as typeof config, 3933);
  };
  const apiSees = async (version: string): Promise<boolean> =>
    (await (await fetch(`${api.url}/metrics`)).text()).includes(`recsys_model_version_info{version="${version}"} 1`);

  /** The data scientists' CLI as a user runs it (`npm run recsys -- ...`), against this test's API. */
  const recsys = (...args: string[]): Promise<{ code: number | null; out: string; err: string }> =>
    new Promise((resolve) => {
      const proc = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, 'libs/admin-client/src/cli/recsys.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, RECSYS_URL: api.url, ADMIN_TOKEN: TOKEN, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
      });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      proc.on('exit', (code) => resolve({ code, out, err }));
    });

  beforeAll(async () => {
    await fx.setUp();
    [api, ingest] = await Promise.all([startService('api', config, 3931), startService('ingest', config, 3932)]);
    await send([...shop.products, ...batchA]);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), ingest?.stop(), trainer?.stop()]);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await fx.tearDown();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  it('a scheduled step learns the events that came in through Kafka and publishes the first version', async () => {
    await startTrainer({ TRAIN_SCHEDULE: '*/2 * * * * *' });
    expect(await eventually(async () => (await activeInDatabase()) !== null, 240_000, 500)).toBe(true);
    // no more scheduled slots: the later scenarios enqueue their own jobs
    await training.unschedule();
    await queue.drain(true);
    expect(await eventually(async () => (await queue.getActiveCount()) === 0, 240_000, 200)).toBe(true);
    await trainer!.stop();
    trainer = null;
    const [first] = (await models()).filter((m) => m.status === 'active');
    const detail = (await admin<Record<string, any>>('GET', `/v1/admin/models/${first.version}`)).body;
    // made by the scheduler: BullMQ's job id of the slot
    expect(detail.trigger).toEqual({ by: 'schedule' });
    expect(detail.jobId).toMatch(/^repeat:/);
    expect(detail.parentVersion).toBeNull();
    expect(detail.gate.decision).toBe('promoted');
    expect(detail.gate.against).toEqual({ kind: 'popular', version: null });
    expect(detail.gate.candidate.ndcg).toBeGreaterThan(detail.gate.baseline.ndcg);
    expect(detail.gate.candidate.samples).toBeGreaterThanOrEqual(50);
    // the listed metrics are the evaluation's, and the job's result says the same
    const job = (await admin<JobView>('GET', `/v1/admin/jobs/${encodeURIComponent(detail.jobId)}`)).body;
    expect(job.state).toBe('completed');
    expect(job.progress).toBe(1);
    expect(job.result?.modelVersion).toBe(first.version);
    expect(first.metrics.ndcg).toBe(detail.gate.candidate.ndcg);
    expect(first.metrics.hr).toBe(detail.gate.candidate.hr);
    expect(job.result?.metrics.ndcg).toBe(first.metrics.ndcg);
    expect(first.sizeBytes).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(modelDir, first.version, 'model.rsm'))).toBe(true);
    expect(await eventually(() => apiSees(first.version), 5000, 100)).toBe(true);
  });

  it('a candidate trained on shuffled labels, and one with non-finite weights, are rejected with both metrics', async () => {
    await startTrainer();
    const before = await activeVersion();
    await send(batchB);
    const shuffled = await queue.add('incremental-step', { mode: 'incremental', trigger: { by: 'test' }, fault: 'shuffle-labels' }, { jobId: 'manual-00000000-0000-4000-8000-000000000001' });
    const s = await finished(shuffled.id!);
    expect(s.state).toBe('completed');
    expect(s.result?.outcome).toBe('rejected');
    const nan = await queue.add('incremental-step', { mode: 'incremental', trigger: { by: 'test' }, fault: 'nan-weights' }, { jobId: 'manual-00000000-0000-4000-8000-000000000002' });
    const n = await finished(nan.id!);
    expect(n.result?.outcome).toBe('rejected');
    expect(await activeVersion()).toBe(before);

    const worse = (await admin<Record<string, any>>('GET', `/v1/admin/models/${s.result!.modelVersion}`)).body;
    expect(worse.status).toBe('rejected');
    expect(worse.gate.against).toEqual({ kind: 'active', version: before });
    expect(worse.gate.candidate.ndcg).toBeLessThan(worse.gate.baseline.ndcg * 0.7);
    expect(worse.reason).toContain('below');
    const broken = (await admin<Record<string, any>>('GET', `/v1/admin/models/${n.result!.modelVersion}`)).body;
    expect(broken.status).toBe('rejected');
    expect(broken.gate.finite).toBe(false);
    expect(broken.reason).toContain('non-finite');
    expect(broken.gate.baseline.ndcg).toBeGreaterThan(0);
    // refused without force
    const refused = await admin<{ error: { code: string } }>('POST', `/v1/admin/models/${broken.version}/activate`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('rejected_version');
  });

  it('the next step starts again from the active version, the rejected window included, and rollback moves the pointer back', async () => {
    const parent = await activeVersion();
    const res = await admin<{ jobId: string }>('POST', '/v1/admin/retrain', { mode: 'incremental' });
    expect(res.status).toBe(202);
    const job = await finished(res.body.jobId);
    expect(job.result?.outcome).toBe('published');
    const child = job.result!.modelVersion!;
    const detail = (await admin<Record<string, any>>('GET', `/v1/admin/models/${child}`)).body;
    expect(detail.parentVersion).toBe(parent);
    expect(detail.lineage.map((l: { version: string }) => l.version)).toEqual([parent]);
    // it learnt batch B (the window the rejected candidates saw) on top of its parent
    expect(Number(detail.metrics.run.windowRows)).toBeGreaterThanOrEqual(batchB.length);
    expect(await eventually(() => apiSees(child), 5000, 100)).toBe(true);

    const rollback = await admin<{ version: string; previous: string }>('POST', `/v1/admin/models/${parent}/activate`, {});
    expect(rollback.status).toBe(200);
    expect(rollback.body.previous).toBe(child);
    expect(await activeVersion()).toBe(parent);
    const listed = await models();
    expect(listed.find((m) => m.version === child)?.status).toBe('candidate');
    expect(await eventually(() => apiSees(parent!), 5000, 100)).toBe(true);

    // a process that missed the broadcast still converges: the pointer moved in PostgreSQL alone
    await fx.query(`UPDATE model_versions SET status = 'candidate' WHERE status = 'active'`);
    await fx.query(`UPDATE model_versions SET status = 'active' WHERE version = $1`, [child]);
    expect(await eventually(() => apiSees(child), 5000, 100)).toBe(true);
    await fx.query(`UPDATE model_versions SET status = 'candidate' WHERE status = 'active'`);
    await fx.query(`UPDATE model_versions SET status = 'active' WHERE version = $1`, [parent]);
    expect(await eventually(() => apiSees(parent!), 5000, 100)).toBe(true);
  });

  it('a trainer killed mid-step: the job is retried from its checkpoint, nothing partial is left, and the pointer moves only after the gate', async () => {
    const active = await activeVersion();
    await send(batchC);
    const rowsBefore = (await models()).length;
    const job = await queue.add('incremental-step', { mode: 'incremental', trigger: { by: 'test' }, fault: 'crash-mid-step' }, { jobId: 'manual-00000000-0000-4000-8000-000000000003', attempts: 3 });
    // the process kills itself (SIGKILL) after the first chunk's checkpoint
    const exited = await eventually(() => trainer!.proc.exitCode !== null || trainer!.proc.signalCode !== null, 240_000, 200);
    expect(exited).toBe(true);
    expect(trainer!.proc.signalCode).toBe('SIGKILL');
    trainer = null;
    expect(await activeVersion()).toBe(active);
    expect((await models()).length).toBe(rowsBefore);
    expect(fs.readdirSync(modelDir).filter((n) => n.startsWith('.staging-'))).toEqual([]);

    await startTrainer();
    const view = await finished(job.id!);
    expect(view.state).toBe('completed');
    expect(view.result?.run.resumed).toBe(true);
    expect(view.result?.outcome).toBe('published');
    expect(await activeVersion()).toBe(view.result!.modelVersion);
    // continued from the version rolled back to
    expect((await admin<Record<string, any>>('GET', `/v1/admin/models/${view.result!.modelVersion}`)).body.parentVersion).toBe(active);
    // every version directory belongs to a row, none is half-written, the job's progress checkpoint is gone
    const rows = new Set((await models()).filter((m) => m.status !== 'retired').map((m) => m.version));
    const dirs = fs.readdirSync(modelDir).filter((n) => /^v\d+$/.test(n));
    for (const d of dirs) expect(rows.has(d)).toBe(true);
    expect(fs.readdirSync(modelDir).filter((n) => n.startsWith('.staging-'))).toEqual([]);
    expect(fs.existsSync(path.join(modelDir, '.jobs')) ? fs.readdirSync(path.join(modelDir, '.jobs')) : []).toEqual([]);
  });

  it('two retrain requests at once (one full) run one after the other while the trainer stays responsive; a slot enqueued twice is one job', async () => {
    const [a, b] = await Promise.all([
      admin<{ jobId: string }>('POST', '/v1/admin/retrain', {}),
      admin<{ jobId: string }>('POST', '/v1/admin/retrain', { mode: 'full' }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.jobId).not.toBe(b.body.jobId);
    // while the full retrain trains (in its worker thread), the trainer's event loop answers
    let answeredWhileTraining = false;
    await eventually(async () => {
      const state = await queue.getJobState(b.body.jobId);
      if (state === 'active') answeredWhileTraining = (await fetch(`${trainer!.url}/health/live`)).status === 200;
      return answeredWhileTraining || state === 'completed' || state === 'failed';
    }, 240_000, 20);
    const [va, vb] = await Promise.all([finished(a.body.jobId), finished(b.body.jobId)]);
    expect(answeredWhileTraining).toBe(true);
    expect(va.state).toBe('completed');
    expect(vb.state).toBe('completed');
    // the full retrain learnt everything stored, from nothing, and went through the same gate
    const full = (await admin<Record<string, any>>('GET', `/v1/admin/models/${vb.result!.modelVersion}`)).body;
    expect(full.kind).toBe('full');
    expect(full.parentVersion).toBeNull();
    expect(Number(full.metrics.run.windowRows)).toBe(sender.stored + shop.products.length);
    expect(['promoted', 'rejected']).toContain(full.gate.decision);
    expect(full.gate.against.kind).toBe('active');
    const metrics = await (await fetch(`${trainer!.url}/metrics`)).text();
    expect(metrics).toMatch(/recsys_training_runs_total\{kind="full",outcome="(published|rejected)"\} 1/);
    expect(metrics).toMatch(/recsys_training_step_seconds_count\{kind="full"\} 1/);
    expect(metrics).toMatch(/recsys_model_version_info\{version="v\d+"\} 1/);
    const [ja, jb] = await Promise.all([queue.getJob(a.body.jobId), queue.getJob(b.body.jobId)]);
    const [first, second] = [ja!, jb!].sort((x, y) => x.processedOn! - y.processedOn!);
    expect(second.processedOn!).toBeGreaterThanOrEqual(first.finishedOn!);

    const x = await training.enqueueSlot(1767225600000);
    const y = await training.enqueueSlot(1767225600000);
    expect(x).toBe('slot-1767225600000');
    expect(y).toBe(x);
    await finished(x);
    const slotJobs = (await queue.getJobs(['completed', 'failed', 'active', 'waiting'])).filter((j) => j.id === 'slot-1767225600000');
    expect(slotJobs).toHaveLength(1);
  });

  it('bad input gets the error shape and a 4xx, and every admin call is audited without the token', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/admin/retrain', { mode: 'bogus' }, 400, 'invalid_request'],
      ['POST', '/v1/admin/retrain', { mode: 'full', extra: 1 }, 400, 'invalid_request'],
      ['GET', '/v1/admin/jobs/not%20a%20job', undefined, 400, 'invalid_job_id'],
      ['GET', '/v1/admin/jobs/manual-00000000-0000-4000-8000-00000000ffff', undefined, 404, 'unknown_job'],
      ['GET', '/v1/admin/models/v999999', undefined, 404, 'unknown_version'],
      ['GET', '/v1/admin/models/latest', undefined, 400, 'invalid_version'],
      ['POST', '/v1/admin/models/v1/activate', { force: 'yes' }, 400, 'invalid_request'],
      ['GET', '/v1/admin/audit?limit=0', undefined, 400, 'invalid_limit'],
    ];
    for (const [method, route, body, status, code] of cases) {
      const r = await admin<{ error: { code: string; message: string } }>(method, route, body);
      expect([route, r.status, r.body.error?.code]).toEqual([route, status, code]);
    }
    expect((await admin('GET', '/v1/admin/models', undefined, null)).status).toBe(401);
    expect((await admin('GET', '/v1/admin/models', undefined, 'wrong-token-123')).status).toBe(403);

    const audit = await admin<{ at: string; actor: string; action: string; params: unknown; outcome: string; status: number }[]>('GET', '/v1/admin/audit?limit=1000');
    expect(audit.status).toBe(200);
    const text = JSON.stringify(audit.body);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('wrong-token-123');
    const actions = audit.body.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['retrain:ok', 'models.activate:ok', 'models.activate:rejected_version', 'retrain:invalid_request', 'models.list:unauthorized', 'models.list:forbidden']));
    const mine = audit.body.find((e) => e.action === 'models.activate' && e.outcome === 'ok')!;
    expect(mine.actor).toMatch(/^token:[0-9a-f]{12}$/);
    expect(mine.params).toEqual({ params: { version: expect.stringMatching(/^v\d+$/) } });
    expect(audit.body.find((e) => e.outcome === 'unauthorized')?.actor).toBe('anonymous');
  });

  it('the recsys CLI lists, shows, activates and retrains over the admin API, with non-zero exits on failure', async () => {
    const all = await models();
    const active = all.find((m) => m.status === 'active')!;
    const rejected = all.find((m) => m.status === 'rejected')!;
    const list = await recsys('models');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${active.version}\\s+active\\s`, 'm'));
    expect(list.out).toMatch(new RegExp(`^${rejected.version}\\s+rejected\\s`, 'm'));
    const show = await recsys('show', rejected.version);
    expect(show.code).toBe(0);
    expect(show.out).toContain('rejected');
    const refused = await recsys('activate', rejected.version);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('rejected_version');
    const retrain = await recsys('retrain', '--wait');
    expect([retrain.code, retrain.err.slice(-500)]).toEqual([0, expect.any(String)]);
    expect(retrain.out).toMatch(/skipped|published|rejected/);
    const audit = await recsys('audit', '--limit', '5', '--json');
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.out) as unknown[]).length).toBe(5);
    expect(audit.out).not.toContain(TOKEN);
    expect((await recsys('bogus-command')).code).toBe(2);
  });

  it('SIGTERM while a job trains: the trainer exits cleanly and the next trainer retries the job', async () => {
    const job = await queue.add('full-retrain', { mode: 'full', trigger: { by: 'test' } }, { jobId: 'manual-00000000-0000-4000-8000-000000000004', attempts: 3, backoff: { type: 'fixed', delay: 500 } });
    expect(await eventually(async () => (await job.getState()) === 'active', 120_000, 20)).toBe(true);
    expect(await trainer!.stop('SIGTERM')).toBe(0);
    trainer = null;
    await startTrainer();
    const view = await finished(job.id!);
    expect(view.state).toBe('completed');
    expect(view.attemptsMade).toBeGreaterThanOrEqual(1);
    expect(['published', 'rejected']).toContain(view.result?.outcome);
    expect(view.result?.run.chunks).toBeGreaterThanOrEqual(4); // 5,000 rows in chunks of about 1,000
  });
});
