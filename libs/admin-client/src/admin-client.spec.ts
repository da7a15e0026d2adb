import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminApiError, AdminClient, AdminNetworkError } from './index';
import { activateV3, AUDIT, JOB_ID, jobAt, LOAD_FAILURES, loadFailuresAnswer, MODEL_V3, MODELS } from './testing/admin-api.fixtures';
import { FAKE_TOKEN, FakeAdminApi, startFakeAdminApi } from './testing/fake-admin-api';

describe('AdminClient', () => {
  let api: FakeAdminApi;
  let client: AdminClient;

  beforeAll(async () => {
    api = await startFakeAdminApi({
      'POST /v1/admin/retrain': (req) => ({ status: 202, body: { jobId: `manual-${(req.body as { mode: string }).mode}` } }),
      [`GET /v1/admin/jobs/${JOB_ID}`]: { body: jobAt('completed', 1) },
      'GET /v1/admin/jobs/repeat:train:17': { body: { ...jobAt('waiting', 0), jobId: 'repeat:train:17' } },
      'GET /v1/admin/jobs': { body: [jobAt('active', 0.5)] },
      'GET /v1/admin/models': { body: MODELS },
      'GET /v1/admin/models/v3': { body: MODEL_V3 },
      'POST /v1/admin/models/v3/activate': activateV3,
      'GET /v1/admin/audit': { body: AUDIT },
      'GET /v1/admin/load-failures': loadFailuresAnswer,
      'GET /v1/admin/models/v500': { status: 500, raw: 'Internal Server Error' },
    });
    client = new AdminClient({ baseUrl: api.url, token: FAKE_TOKEN });
  });

  afterAll(() => api.close());
  beforeEach(() => api.requests.splice(0));

  it('sends the bearer token and the retrain mode as JSON', async () => {
    await expect(client.retrain('full')).resolves.toEqual({ jobId: 'manual-full' });
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/admin/retrain',
      authorization: `Bearer ${FAKE_TOKEN}`,
      contentType: 'application/json',
      body: { mode: 'full' },
    });
  });

  it('reads jobs, models and the audit log, passing limit only when given', async () => {
    await expect(client.job(JOB_ID)).resolves.toEqual(jobAt('completed', 1));
    await expect(client.jobs(5)).resolves.toEqual([jobAt('active', 0.5)]);
    await expect(client.jobs()).resolves.toHaveLength(1);
    await expect(client.models()).resolves.toEqual(MODELS);
    await expect(client.model('v3')).resolves.toEqual(MODEL_V3);
    await expect(client.audit(100)).resolves.toEqual(AUDIT);
    expect(api.requests.map((r) => [r.method, r.path, r.query, r.body])).toEqual([
      ['GET', `/v1/admin/jobs/${JOB_ID}`, {}, undefined],
      ['GET', '/v1/admin/jobs', { limit: '5' }, undefined],
      ['GET', '/v1/admin/jobs', {}, undefined],
      ['GET', '/v1/admin/models', {}, undefined],
      ['GET', '/v1/admin/models/v3', {}, undefined],
      ['GET', '/v1/admin/audit', { limit: '100' }, undefined],
    ]);
  });

  it('reads the load failures, passing limit and version only when given, the version encoded', async () => {
    await expect(client.loadFailures()).resolves.toEqual(LOAD_FAILURES);
    await expect(client.loadFailures({ version: 'v4', limit: 1 })).resolves.toEqual([LOAD_FAILURES[0]]);
    await expect(client.loadFailures({ version: 'v4&limit=9' })).resolves.toEqual([]);
    expect(api.requests.map((r) => [r.path, r.query])).toEqual([
      ['/v1/admin/load-failures', {}],
      ['/v1/admin/load-failures', { limit: '1', version: 'v4' }],
      ['/v1/admin/load-failures', { version: 'v4&limit=9' }],
    ]);
  });

  it('encodes a job id with colons (a scheduler job) into one path segment', async () => {
    await expect(client.job('repeat:train:17')).resolves.toMatchObject({ jobId: 'repeat:train:17' });
    await expect(client.job('../models')).rejects.toMatchObject({ status: 404 });
    expect(api.requests.map((r) => r.rawPath)).toEqual(['/v1/admin/jobs/repeat%3Atrain%3A17', '/v1/admin/jobs/..%2Fmodels']);
  });

  it('sends {"force": true} only when activation is forced', async () => {
    const refused = await client.activate('v3').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AdminApiError);
    expect(refused).toMatchObject({ status: 409, code: 'rejected_version', url: `${api.url}/v1/admin/models/v3/activate` });
    await expect(client.activate('v3', true)).resolves.toEqual({ version: 'v3', previous: 'v2', changed: true, status: 'active' });
    expect(api.requests.map((r) => r.body)).toEqual([{}, { force: true }]);
  });

  it('turns the API error body into an AdminApiError with status, code and message', async () => {
    await expect(new AdminClient({ baseUrl: api.url, token: '' }).models()).rejects.toMatchObject({
      name: 'AdminApiError',
      status: 401,
      code: 'unauthorized',
      message: 'admin calls need Authorization: Bearer <ADMIN_TOKEN>',
    });
    expect(api.requests[0].authorization).toBeUndefined();
    await expect(new AdminClient({ baseUrl: api.url, token: 'wrong-token' }).models()).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(client.model('v9')).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'no route GET /v1/admin/models/v9' });
  });

  it('names the status when an error answer carries no error body', async () => {
    await expect(client.model('v500')).rejects.toMatchObject({ status: 500, code: 'http_500', message: expect.stringContaining('answered 500') });
  });

  it('keeps a path prefix of the base URL', async () => {
    await expect(new AdminClient({ baseUrl: `${api.url}/v1/admin/x/`, token: FAKE_TOKEN }).models()).rejects.toMatchObject({ status: 404 });
    expect(api.requests[0].path).toBe('/v1/admin/x/v1/admin/models');
  });

  it('names the URL when the API cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await new AdminClient({ baseUrl: `http://127.0.0.1:${port}`, token: FAKE_TOKEN }).models().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminNetworkError);
    expect(err).toMatchObject({ code: 'network_error', url: `http://127.0.0.1:${port}/v1/admin/models` });
    expect((err as Error).message).toMatch(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}/v1/admin/models: .*ECONNREFUSED`));
  });

  it('gives up on an API that accepts the connection but never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      await expect(new AdminClient({ baseUrl: `http://127.0.0.1:${port}`, token: FAKE_TOKEN, timeoutMs: 50 }).models()).rejects.toMatchObject({
        name: 'AdminNetworkError',
        message: `cannot reach http://127.0.0.1:${port}/v1/admin/models: no answer within 50 ms`,
      });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses a base URL that is not a URL', () => {
    expect(() => new AdminClient({ baseUrl: 'nope', token: FAKE_TOKEN })).toThrow('Invalid URL');
  });
});
