/**
 * A topic deleted and created again (offsets starting over) is detected, reported and consumed, never silently
 * skipped (CONTRACT section 3): against the real broker and PostgreSQL, once under the running service with the new
 * log still empty, once refilled past the old offsets while the service was down.
 */
import { ensureTopics } from '@recsys/messaging';
import { asMessages, makeInteractions, produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

async function recreate(fx: IngestFixture): Promise<void> {
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [fx.topics.interactions] });
    await eventually(async () => !(await admin.listTopics()).includes(fx.topics.interactions), 60_000, 200);
  } finally {
    await admin.disconnect();
  }
  // the broker may still be finishing the deletion: creating again is retried until the topic exists with leaders
  expect(await eventually(async () => {
    try {
      await ensureTopics(fx.kafka, fx.config);
      return true;
    } catch {
      return false;
    }
  }, 60_000, 500)).toBe(true);
}

const resets = async (fx: IngestFixture) =>
  Number((await fx.query<{ n: string }>(`SELECT coalesce(sum(log_resets), 0) AS n FROM ingest_offsets WHERE topic = $1`, [fx.topics.interactions]))[0].n);

describe('a recreated topic loses nothing sent after it', () => {
  it('recreated empty under the running service, then filled', async () => {
    const config = isolatedConfig({ INGEST_PORT: '3972', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3972);
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(3000, { seed: 1, idPrefix: 'old' })));
      expect(await fx.waitForTotals({ interactions: 3000 })).toMatchObject({ interactions: 3000 });
      await recreate(fx);
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(3000, { seed: 2, idPrefix: 'new' })));
      const t = await fx.waitForTotals({ interactions: 6000 }, 100_000);
      if (t.interactions !== 6000) console.log('DEBUG', JSON.stringify(t), ingest.output().slice(-6000));
      expect(t).toMatchObject({ interactions: 6000 });
      expect(await resets(fx)).toBeGreaterThan(0);
      expect(ingest.output()).toContain('does not belong to this log');
      const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
      expect(metrics).toMatch(/recsys_ingest_log_resets_total\{topic="[^"]+\.interactions"\} [1-9]/);
    } finally {
      await ingest?.stop();
      await fx.tearDown();
    }
  });

  it('recreated and refilled past the old offsets while the service was down', async () => {
    const config = isolatedConfig({ INGEST_PORT: '3973', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3973);
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(3000, { seed: 3, idPrefix: 'old' })));
      expect(await fx.waitForTotals({ interactions: 3000 })).toMatchObject({ interactions: 3000 });
      await ingest.stop();
      ingest = null;
      await recreate(fx);
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(4000, { seed: 4, idPrefix: 'new' })));
      ingest = await startService('ingest', config, 3973);
      expect(await fx.waitForTotals({ interactions: 7000 }, 180_000)).toMatchObject({ interactions: 7000 });
      expect(await resets(fx)).toBeGreaterThan(0);
    } finally {
      await ingest?.stop();
      await fx.tearDown();
    }
  });
});
