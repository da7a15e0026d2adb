import { connect } from 'node:net';
import { RunningService, startService } from '../support/services';
import { dropSchema, eventually, isolatedConfig } from '../support/test-env';

const PORT = 3941;
const ERROR = { error: { code: expect.any(String), message: expect.any(String) } };

/** Writes `request` on a raw connection and resolves with everything the server sent back before closing. */
function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(PORT, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
  });
}

describe('the HTTP layer answers bad requests in the error shape, never with a 5xx', () => {
  const config = isolatedConfig({ PORT: String(PORT), HOST: '127.0.0.1', HTTP_BODY_LIMIT_BYTES: '2000' });
  let api: RunningService;

  beforeAll(async () => {
    api = await startService('api', config, PORT);
  });
  afterAll(async () => {
    expect(await api?.stop()).toBe(0);
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  const post = (path: string, contentType: string, body: string) => fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const answer = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type'), body: await res.json() });

  it('invalid JSON 400, a body over HTTP_BODY_LIMIT_BYTES 413, a content type other than JSON 415', async () => {
    const json = 'application/json; charset=utf-8';
    expect(await answer(await post('/v1/events', 'application/json', '{"events": ['))).toEqual({ status: 400, type: json, body: { error: { code: 'invalid_json', message: expect.any(String) } } });
    expect(await answer(await post('/v1/rank', 'application/json', '{"__proto__": {"admin": true}}'))).toEqual({ status: 400, type: json, body: { error: { code: 'invalid_json', message: expect.any(String) } } });
    expect(await answer(await post('/v1/events', 'application/json', JSON.stringify({ events: [{ pad: 'x'.repeat(5000) }] })))).toEqual({
      status: 413,
      type: json,
      body: { error: { code: 'payload_too_large', message: expect.any(String) } },
    });
    for (const type of ['application/xml', 'application/x-www-form-urlencoded']) {
      expect(await answer(await post('/v1/events', type, 'events=1'))).toEqual({ status: 415, type: json, body: { error: { code: 'unsupported_media_type', message: expect.any(String) } } });
    }
    // an empty JSON body is no body: the handler's own validation answers
    expect(await answer(await post('/v1/events', 'application/json', ''))).toEqual({ status: 400, type: json, body: { error: { code: 'invalid_body', message: expect.any(String) } } });
  });

  it('an unknown route or method 404, a URL that does not decode 400; routes take ids as long as the contract allows', async () => {
    for (const [method, path] of [['GET', '/no-such-route'], ['DELETE', '/v1/recommendations'], ['GET', '/v1/items']]) {
      expect(await answer(await fetch(`${api.url}${path}`, { method }))).toEqual({ status: 404, type: expect.stringContaining('application/json'), body: { error: { code: 'not_found', message: expect.any(String) } } });
    }
    expect(await answer(await fetch(`${api.url}/v1/items/%E0%A4%A/similar`))).toEqual({ status: 400, type: expect.stringContaining('application/json'), body: ERROR });
    const longId = encodeURIComponent('é'.repeat(128));
    expect((await fetch(`${api.url}/v1/items/${longId}/similar?k=3`)).status).toBe(200);
  });

  it('a request the HTTP parser refuses gets a 4xx in the error shape too', async () => {
    const garbage = await rawExchange('NOT AN HTTP REQUEST\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
    // just over Node's 16 KiB: the server reads it all before it answers, so it closes without resetting the connection
    const huge = await rawExchange(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Pad: ${'x'.repeat(17 * 1024)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'headers_too_large', message: expect.any(String) } });
  });

  it('times unmatched requests under one route label, sends no x-powered-by, and names the route pattern', async () => {
    for (let i = 0; i < 3; i++) await (await fetch(`${api.url}/probe-${i}/x`)).text();
    const similar = await fetch(`${api.url}/v1/items/sku-1/similar`);
    expect(similar.headers.get('x-powered-by')).toBeNull();
    await similar.text();
    // a request is counted once its answer has left, just after the client has it
    let text = '';
    await eventually(async () => {
      text = await (await fetch(`${api.url}/metrics`)).text();
      return text.includes('route="/v1/items/:itemId/similar"');
    }, 10_000, 50);
    expect(text).toMatch(/recsys_http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} [3-9]\d*$/m);
    expect(text).toMatch(/recsys_http_request_duration_seconds_count\{route="\/v1\/items\/:itemId\/similar",method="GET",status="200"\} [1-9]\d*$/m);
    expect(text).not.toContain('probe-');
    expect(text).not.toContain('sku-1');
  });
});
