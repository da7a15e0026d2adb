import { dropSchema, isolatedConfig } from '../support/test-env';
import { startService, RunningService } from '../support/services';

const SERVICES = [
  { name: 'api', port: 3910 },
  { name: 'ingest', port: 3911 },
  { name: 'trainer', port: 3912 },
] as const;

describe('every service boots, answers health and metrics, and stops cleanly on SIGTERM', () => {
  const config = isolatedConfig({ PORT: '3910', INGEST_PORT: '3911', TRAINER_PORT: '3912', HOST: '127.0.0.1' });
  afterAll(() => dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA));

  it.each(SERVICES)('$name', async ({ name, port }) => {
    const svc: RunningService = await startService(name, config, port);
    try {
      const live = await fetch(`${svc.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok', pid: expect.any(Number) });

      const ready = await fetch(`${svc.url}/health/ready`);
      const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
      expect({ status: ready.status, body: body.status }).toEqual({ status: 200, body: 'ok' });
      expect(body.checks.postgres).toEqual({ ok: true });
      expect(body.checks.redis).toEqual({ ok: true });

      const metrics = await fetch(`${svc.url}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      // a series the requests above produced, not a declaration
      expect(text).toMatch(/recsys_http_request_duration_seconds_count\{route="\/health\/live",method="GET",status="200"\} [1-9]\d*$/m);
      expect(text).toMatch(/recsys_http_request_duration_seconds_count\{route="\/health\/ready",method="GET",status="200"\} [1-9]\d*$/m);

      const missing = await fetch(`${svc.url}/no-such-route`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    } finally {
      expect(await svc.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to start with an invalid configuration and names the bad key', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      env: { ...process.env, PORT: '3913', ML_BACKEND: 'quantum', DATABASE_SCHEMA: config.DATABASE_SCHEMA },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ML_BACKEND');
  });
});
