import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { activateV3, AUDIT, JOB_ID, jobAt, LOAD_FAILURES, loadFailuresAnswer, MODEL_V3, MODELS } from '../testing/admin-api.fixtures';
import { FAKE_TOKEN, FakeAdminApi, FakeRoutes, sequence, startFakeAdminApi } from '../testing/fake-admin-api';
import { CliIo, POLL_INTERVAL_MS, runCli } from './recsys';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The waits `retrain --wait` asked for, in ms. */
  waits: number[];
}

/** Runs the CLI against `api` with the environment pointing at it; the poll wait yields a tick instead of sleeping. */
async function cli(api: FakeAdminApi, argv: string[], options: { isTTY?: boolean; env?: CliIo['env'] } = {}): Promise<Run> {
  const run: Run = { code: -1, stdout: '', stderr: '', waits: [] };
  run.code = await runCli(argv, {
    stdout: { write: (s: string) => (run.stdout += s) },
    stderr: { write: (s: string) => (run.stderr += s) },
    env: options.env ?? { RECSYS_URL: api.url, ADMIN_TOKEN: FAKE_TOKEN },
    isTTY: options.isTTY ?? false,
    sleep: (ms) => {
      run.waits.push(ms);
      return new Promise((resolve) => setImmediate(resolve));
    },
  });
  return run;
}

const FAILED_JOB = 'manual-00000000-0000-4000-8000-00000000dead';

function routes(): FakeRoutes {
  return {
    'POST /v1/admin/retrain': (req) => ({ status: 202, body: { jobId: (req.body as { mode: string }).mode === 'full' ? FAILED_JOB : JOB_ID } }),
    [`GET /v1/admin/jobs/${JOB_ID}`]: sequence({ body: jobAt('waiting', 0) }, { body: jobAt('active', 0.5) }, { body: jobAt('completed', 0.9) }),
    [`GET /v1/admin/jobs/${FAILED_JOB}`]: sequence({ body: { ...jobAt('active', 0.2), jobId: FAILED_JOB } }, { body: { ...jobAt('failed', 0.2), jobId: FAILED_JOB } }),
    'GET /v1/admin/jobs': { body: [jobAt('active', 0.5), { ...jobAt('failed', 0.2), jobId: FAILED_JOB, data: { mode: 'full', trigger: { by: 'schedule' } } }] },
    'GET /v1/admin/models': { body: MODELS },
    'GET /v1/admin/models/v3': { body: MODEL_V3 },
    'POST /v1/admin/models/v3/activate': activateV3,
    'POST /v1/admin/models/v2/activate': { body: { version: 'v2', previous: 'v2', changed: false, status: 'active' } },
    'GET /v1/admin/audit': { body: AUDIT },
    'GET /v1/admin/load-failures': loadFailuresAnswer,
  };
}

describe('recsys CLI', () => {
  let api: FakeAdminApi;

  beforeEach(async () => {
    api = await startFakeAdminApi(routes());
  });
  afterEach(() => api.close());

  it('models: prints an aligned table of every version', async () => {
    const run = await cli(api, ['models']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      [
        'VERSION  STATUS    KIND         PARENT  CREATED               NDCG@10   HR@10     SIZE',
        'v3       rejected  incremental  v2      2025-03-02T10:00:05Z   0.1401  0.2875  1.5 MiB',
        'v2       active    incremental  v1      2025-03-02T09:00:04Z   0.1600  0.3125  1.5 MiB',
        'v1       retired   full         -       2025-03-01T23:59:59Z        -       -        -',
        '',
      ].join('\n'),
    );
  });

  it('--json on every command prints the API answer itself', async () => {
    for (const [argv, expected] of [
      [['models', '--json'], MODELS],
      [['--json', 'show', 'v3'], MODEL_V3],
      [['audit', '--json'], AUDIT],
      [['load-failures', '--json'], LOAD_FAILURES],
      [['job', JOB_ID, '--json'], jobAt('waiting', 0)],
      [['retrain', '--json'], { jobId: JOB_ID }],
    ] as const) {
      const run = await cli(api, [...argv]);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(expected);
    }
  });

  it('jobs --limit: passes the limit and tabulates the jobs', async () => {
    const run = await cli(api, ['jobs', '--limit', '5']);
    expect(run.code).toBe(0);
    expect(api.requests[0].query).toEqual({ limit: '5' });
    const [header, first, second] = run.stdout.split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['JOB', 'STATE', 'PROGRESS', 'MODE', 'TRIGGER', 'ATTEMPTS', 'CREATED', 'OUTCOME', 'VERSION']);
    expect(first.split(/\s{2,}/)).toEqual([JOB_ID, 'active', '50%', 'incremental', 'admin', '0', '2025-03-02T11:00:00Z', '-', '-']);
    expect(second.split(/\s{2,}/)).toEqual([FAILED_JOB, 'failed', '20%', 'full', 'schedule', '3', '2025-03-02T11:00:00Z', '-', '-']);
  });

  it('show: the gate decision, both metric sets and the lineage', async () => {
    const run = await cli(api, ['show', 'v3']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'status     rejected',
        'lineage    v2 (active, incremental)',
        '           <- v1 (retired, full)',
        'gate       rejected: ndcg 0.1401 < 0.1600 - 0.005',
        'against    active v2',
        'tolerance  0.005',
        'METRICS    NDCG@10   HR@10    LOSS  SAMPLES  SKIPPED',
        'candidate   0.1401  0.2875  0.5200     1200        4',
        'baseline    0.1600  0.3125  0.4800     1200        4',
      ]),
    );
  });

  it('activate: refuses a rejected version without --force and activates it with', async () => {
    const refused = await cli(api, ['activate', 'v3']);
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: 'error: rejected_version: version v3 was rejected by the gate; send {"force": true} to activate it anyway\n' });
    const forced = await cli(api, ['activate', 'v3', '--force']);
    expect(forced).toMatchObject({ code: 0, stdout: 'v3 is active (was v2)\n' });
    expect((await cli(api, ['activate', 'v2'])).stdout).toBe('v2 was active already\n');
    expect(api.requests.map((r) => r.body)).toEqual([{}, { force: true }, {}]);
  });

  it('audit: one row per admin action', async () => {
    const run = await cli(api, ['audit', '--limit', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['AT', 'ACTOR', 'ACTION', 'STATUS', 'OUTCOME', 'PARAMS'],
      ['2025-03-02T11:00:00Z', 'token:0a1b2c3d4e5f', 'retrain', '202', 'ok', '{"mode":"incremental"}'],
      ['2025-03-02T10:59:00Z', 'anonymous', 'models.list', '401', 'unauthorized', '-'],
      [''],
    ]);
  });

  it('load-failures: one row per refused artifact, the first line of its error; --version and --limit passed on', async () => {
    const all = await cli(api, ['load-failures']);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout.split('\n').map((l) => l.split(/\s{2,}/))).toEqual([
      ['AT', 'VERSION', 'INSTANCE', 'ERROR'],
      ['2025-03-02T12:00:01Z', 'v4', 'api-7f9c:4242', 'checksum mismatch: expected 9f2c..., got 0000...'],
      ['2025-03-02T12:00:01Z', 'v4', 'api-7f9c:4243', 'checksum mismatch: expected 9f2c..., got 0000...'],
      ['2025-03-02T10:30:00Z', 'v3', 'api-1b2d:977', 'model.rsm: unexpected end of file ...'],
      [''],
    ]);
    const v3 = await cli(api, ['load-failures', '--version', 'v3', '--limit', '5']);
    expect(v3.stdout.split('\n')).toHaveLength(3);
    expect(api.requests[1].query).toEqual({ version: 'v3', limit: '5' });
    expect((await cli(api, ['load-failures', '--version=v9'])).stdout).toBe('no load failures recorded for v9\n');
  });

  it('prints the API error as code and message and exits 1: a wrong token (403), an unknown version (404)', async () => {
    expect(await cli(api, ['models', '--token', 'not-the-token'])).toMatchObject({ code: 1, stdout: '', stderr: 'error: forbidden: wrong admin token\n' });
    expect(await cli(api, ['show', 'v9'])).toMatchObject({ code: 1, stderr: 'error: not_found: no route GET /v1/admin/models/v9\n' });
  });

  it('retrain --wait: follows waiting -> active 50% -> completed on stderr and prints the outcome', async () => {
    const run = await cli(api, ['retrain', '--wait']);
    expect(run.code).toBe(0);
    expect(api.requests[0]).toMatchObject({ method: 'POST', path: '/v1/admin/retrain', body: { mode: 'incremental' } });
    expect(api.requests.slice(1).map((r) => r.path)).toEqual(Array(3).fill(`/v1/admin/jobs/${JOB_ID}`));
    expect(run.waits).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(run.stderr).toBe(`${JOB_ID} waiting 0%\n${JOB_ID} active 50%\n${JOB_ID} completed 100%\n`);
    expect(run.stdout.split('\n')).toEqual([
      `job      ${JOB_ID}`,
      'outcome  published',
      'version  v4',
      'NDCG@10  0.1713',
      'HR@10    0.3300',
      'reason   ndcg 0.1713 >= 0.1600 - 0.005',
      '',
    ]);
  });

  it('retrain --wait on a terminal redraws one progress line in place', async () => {
    const run = await cli(api, ['retrain', '--wait'], { isTTY: true });
    expect(run.code).toBe(0);
    const frames = run.stderr.split('\r').slice(1);
    expect(frames.map((f) => f.match(/\] +(\d+%) (\w+)/)?.slice(1))).toEqual([['0%', 'waiting'], ['50%', 'active'], ['100%', 'completed']]);
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.split('\n')).toHaveLength(2);
  });

  it('retrain --full --wait: a failed job prints its error and exits 1', async () => {
    const run = await cli(api, ['retrain', '--full', '--wait']);
    expect(run.code).toBe(1);
    expect(api.requests[0].body).toEqual({ mode: 'full' });
    expect(run.stdout).toContain('error     connection to PostgreSQL lost');
    expect(run.stderr).toBe(
      `${FAILED_JOB} active 20%\n${FAILED_JOB} failed 20%\nerror: job_failed: ${FAILED_JOB} failed after 3 attempt(s): connection to PostgreSQL lost\n`,
    );
  });

  it('retrain without --wait prints the job id and returns', async () => {
    const run = await cli(api, ['retrain']);
    expect(run).toMatchObject({ code: 0, stdout: `queued ${JOB_ID} (incremental); follow it with: npm run recsys -- job ${JOB_ID}\n` });
    expect(api.requests).toHaveLength(1);
  });

  it('job: a readable block', async () => {
    const run = await cli(api, ['job', JOB_ID]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`job       ${JOB_ID}\n`);
    expect(run.stdout).toContain('state     waiting (0%)\n');
    expect(run.stdout).toContain('trigger   admin (token:0a1b2c3d4e5f)\n');
  });

  it('finds the API on 127.0.0.1:$PORT when RECSYS_URL is unset, and --url wins over both', async () => {
    const port = new URL(api.url).port;
    expect((await cli(api, ['models'], { env: { PORT: port, ADMIN_TOKEN: FAKE_TOKEN } })).code).toBe(0);
    expect((await cli(api, ['models', '--url', api.url], { env: { RECSYS_URL: 'http://127.0.0.1:9', ADMIN_TOKEN: FAKE_TOKEN } })).code).toBe(0);
    expect(api.requests).toHaveLength(2);
  });

  it('names the URL and exits 1 when the API cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await cli(api, ['models'], { env: { RECSYS_URL: `http://127.0.0.1:${port}`, ADMIN_TOKEN: FAKE_TOKEN } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error: network_error: cannot reach http://127\\.0\\.0\\.1:${port}/v1/admin/models: .*ECONNREFUSED`));
  });

  it.each([
    [[], 'error: missing command'],
    [['deploy'], 'error: unknown command "deploy"'],
    [['show'], 'error: show needs VERSION'],
    [['jobs', '--limit', 'ten'], 'error: --limit must be a positive integer, got "ten"'],
  ])('exits 2 on the usage error %j without calling the API', async (argv, message) => {
    const run = await cli(api, argv);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(message);
    expect(api.requests).toHaveLength(0);
  });

  it('exits 2 when no token is given', async () => {
    const run = await cli(api, ['models'], { env: { RECSYS_URL: api.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no admin token: pass --token TOKEN or set ADMIN_TOKEN');
  });

  it('help: prints the usage on stdout and exits 0 without a token', async () => {
    const run = await cli(api, ['help'], { env: {} });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('retrain [--full] [--wait]');
    expect(run.stdout).toContain('--json');
    expect(run.stdout).toContain('load-failures [--version V] [--limit N]');
  });
});
