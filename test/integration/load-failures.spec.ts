/**
 * The model-load-failure log against the real PostgreSQL and the real API: a failure an API process records is listed
 * by `GET /v1/admin/load-failures` (and the CLI), newest first, filtered by version; refused without or with a wrong
 * token; every call audited.
 */
import type { DataSource } from 'typeorm';
import { AdminClient } from '@recsys/admin-client';
import { LOAD_FAILURE_ERROR_MAX, LoadFailureRepository } from '@recsys/registry';
import { openDatabase } from '@recsys/storage';
import { runCli } from '../../libs/admin-client/src/cli/recsys';
import { RunningService, startService } from '../support/services';
import { dropSchema, isolatedConfig } from '../support/test-env';

const TOKEN = 'test-admin-token';

describe('model load failures in the admin API', () => {
  const config = isolatedConfig({ PORT: '3984', HOST: '127.0.0.1', ADMIN_TOKEN: TOKEN });
  let api: RunningService;
  let ds: DataSource;
  let repo: LoadFailureRepository;
  let client: AdminClient;

  beforeAll(async () => {
    api = await startService('api', config, 3984);
    ds = await openDatabase(config, { poolSize: 2 });
    repo = new LoadFailureRepository(ds);
    client = new AdminClient({ baseUrl: api.url, token: TOKEN });
    // one at a time: the order they were recorded in is the order asserted
    await repo.record({ version: 'v3', instance: 'api-a:101', error: `checksum mismatch\u0000 ${'x'.repeat(5000)}` });
    await repo.record({ version: 'v4', instance: 'api-a:101', error: 'model.rsm: unexpected end of file' });
    await repo.record({ version: 'v3', instance: 'api-b:202', error: 'the sanity query answered NaN scores' });
  });
  afterAll(async () => {
    await api?.stop();
    await ds?.destroy();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('lists every recorded failure newest first, the long error cut and stored despite its U+0000', async () => {
    const all = await client.loadFailures();
    expect(all.map((f) => [f.version, f.instance])).toEqual([
      ['v3', 'api-b:202'],
      ['v4', 'api-a:101'],
      ['v3', 'api-a:101'],
    ]);
    expect(all[1]).toEqual({ version: 'v4', instance: 'api-a:101', error: 'model.rsm: unexpected end of file', at: expect.any(String) });
    expect(all[2].error).toHaveLength(LOAD_FAILURE_ERROR_MAX);
    expect(all[2].error.startsWith('checksum mismatch\ufffd x')).toBe(true);
    const times = all.map((f) => Date.parse(f.at));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by version and honours the limit', async () => {
    expect((await client.loadFailures({ version: 'v3' })).map((f) => f.instance)).toEqual(['api-b:202', 'api-a:101']);
    expect((await client.loadFailures({ version: 'v3', limit: 1 })).map((f) => f.instance)).toEqual(['api-b:202']);
    expect(await client.loadFailures({ version: 'v9' })).toEqual([]);
    expect(await client.loadFailures({ limit: 2 })).toHaveLength(2);
    expect(await repo.forVersion('v4', 10)).toEqual([expect.objectContaining({ version: 'v4', error: 'model.rsm: unexpected end of file' })]);
  });

  it('answers 401 without a token and 403 with a wrong one, and 400 for a bad limit or a repeated version', async () => {
    await expect(new AdminClient({ baseUrl: api.url, token: '' }).loadFailures()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(new AdminClient({ baseUrl: api.url, token: 'wrong-token' }).loadFailures()).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(client.loadFailures({ limit: 1001 })).rejects.toMatchObject({ status: 400, code: 'invalid_limit' });
    const twice = await fetch(`${api.url}/v1/admin/load-failures?version=v3&version=v4`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(twice.status).toBe(400);
    expect(await twice.json()).toEqual({ error: { code: 'invalid_version', message: 'version must be given once' } });
  });

  it('audits every call, refused ones included', async () => {
    const audit = await client.audit(1000);
    const ours = audit.filter((e) => e.action === 'load-failures.list');
    expect(ours.map((e) => e.outcome)).toEqual(expect.arrayContaining(['ok', 'unauthorized', 'forbidden', 'invalid_limit', 'invalid_version']));
    expect(ours.find((e) => e.outcome === 'ok' && JSON.stringify(e.params).includes('v3'))?.params).toMatchObject({ query: { version: 'v3' } });
  });

  it('npm run recsys -- load-failures --version v3 tabulates them', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['load-failures', '--version', 'v3'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { RECSYS_URL: api.url, ADMIN_TOKEN: TOKEN },
      isTTY: false,
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const rows = stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => r.slice(1))).toEqual([
      ['VERSION', 'INSTANCE', 'ERROR'],
      ['v3', 'api-b:202', 'the sanity query answered NaN scores'],
      ['v3', 'api-a:101', expect.stringMatching(/^checksum mismatch\ufffd x+\.\.\.$/)],
    ]);
  });
});
