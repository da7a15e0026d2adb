/**
 * A topic deleted and created again (offsets starting over) is detected, reported and consumed, never silently
 * skipped (CONTRACT section 3): against the real broker and PostgreSQL, under the running service with the new log
 * still empty; under the running service refilled past the old offsets before the service fetched again (it was busy
 * with a batch the whole time: no fetch error ever told it); and refilled past the old offsets while it was down.
 */
import { Client } from 'pg';
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
      expect(await fx.waitForTotals({ interactions: 6000 }, 100_000)).toMatchObject({ interactions: 6000 });
      expect(await resets(fx)).toBeGreaterThan(0);
      expect(ingest.output()).toContain('does not belong to this log');
      const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
      expect(metrics).toMatch(/recsys_ingest_log_resets_total\{topic="[^"]+\.interactions"\} [1-9]/);
    } finally {
      await ingest?.stop();
      await fx.tearDown();
    }
  });

  it('recreated and refilled past the old offsets under the running service, before it fetched again', async () => {
    // the service holds its partitions through the held batch (no rebalance, which would make it verify anyway)
    const config = isolatedConfig({ INGEST_PORT: '3987', HOST: '127.0.0.1', KAFKA_SESSION_TIMEOUT_MS: '120000' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    const holder = new Client({ connectionString: config.DATABASE_URL });
    let held = false;
    const admin = fx.kafka.admin();
    try {
      await fx.setUp();
      await admin.connect();
      ingest = await startService('ingest', config, 3987);
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(3000, { seed: 5, idPrefix: 'old' })));
      expect(await fx.waitForTotals({ interactions: 3000 })).toMatchObject({ interactions: 3000 });

      // Hold the service inside its next batch: this transaction locks every partition's offset row, so the batch waits
      // on PostgreSQL, and the consumer fetches nothing (sees no error of the vanished topic) until it is released.
      await holder.connect();
      await holder.query('BEGIN');
      held = true;
      await holder.query(`SELECT next_offset FROM "${config.DATABASE_SCHEMA}".ingest_offsets WHERE topic = $1 FOR UPDATE`, [fx.topics.interactions]);
      const [{ pid }] = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(60, { seed: 6, idPrefix: 'held' })));
      const waiting = async () => Number((await fx.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid]))[0].n);
      expect(await eventually(async () => (await waiting()) > 0, 60_000, 100)).toBe(true);
      const oldEnds = await admin.fetchTopicOffsets(fx.topics.interactions);

      await recreate(fx);
      // the broker dropped the group's committed offsets of the deleted topic (what the consumer checks before it commits)
      expect(await eventually(async () => {
        const [t] = await admin.fetchOffsets({ groupId: config.KAFKA_GROUP_ID, topics: [fx.topics.interactions] });
        return t.partitions.every((p) => p.offset === '-1');
      }, 60_000, 200)).toBe(true);
      await produce(fx.kafka, fx.topics.interactions, asMessages(makeInteractions(6000, { seed: 7, idPrefix: 'new' })));
      // every partition of the new log reaches past where the service stands in the old one
      const newEnds = await admin.fetchTopicOffsets(fx.topics.interactions);
      for (const o of oldEnds) expect(Number(newEnds.find((n) => n.partition === o.partition)?.high)).toBeGreaterThan(Number(o.high));
      expect(await waiting()).toBeGreaterThan(0);

      await holder.query('ROLLBACK');
      held = false;
      expect(await fx.waitForTotals({ interactions: 9060 }, 100_000)).toMatchObject({ interactions: 9060 });
      expect(await resets(fx)).toBeGreaterThan(0);
      expect(ingest.output()).toContain('does not belong to this log');
    } finally {
      if (held) await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end().catch(() => undefined);
      await admin.disconnect();
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
