/**
 * The API's readiness reflects the broker right now: it turns 503 while a disposable broker is stopped and 200 again
 * once it is back (the machine's shared broker is never touched).
 */
import { DisposableKafka } from '../support/disposable-kafka';
import { RunningService, startService } from '../support/services';
import { dropSchema, eventually, isolatedConfig } from '../support/test-env';

const ready = async (svc: RunningService) => {
  const res = await fetch(`${svc.url}/health/ready`);
  return { status: res.status, kafka: ((await res.json()) as { checks: Record<string, { ok: boolean }> }).checks.kafka?.ok };
};

describe('API readiness follows the broker', () => {
  it('503 while the broker is stopped, 200 once it is back', async () => {
    const broker = await DisposableKafka.start();
    const config = isolatedConfig({ KAFKA_BROKERS: broker.brokers.join(','), PORT: '3978', HOST: '127.0.0.1' });
    let api: RunningService | null = null;
    try {
      api = await startService('api', config, 3978);
      const svc = api;
      expect(await eventually(async () => (await ready(svc)).status === 200, 60_000, 200)).toBe(true);
      await broker.stop();
      expect(await eventually(async () => (await ready(svc)).status === 503, 60_000, 200)).toBe(true);
      expect((await ready(svc)).kafka).toBe(false);
      await broker.restart();
      expect(await eventually(async () => (await ready(svc)).status === 200, 120_000, 200)).toBe(true);
    } finally {
      await api?.stop();
      await broker.destroy();
      await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
    }
  });
});
