/**
 * The ingest counters count what happened: events stored, duplicates and dead letters appear in `/metrics` with the
 * numbers the service handled (not only declared), against the real broker, PostgreSQL and Redis.
 */
import { asMessages, makeInteractions, malformedMessages, produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

describe('ingest metrics count the events it handled', () => {
  it('stored, duplicate and dead-lettered messages by topic', async () => {
    const config = isolatedConfig({ INGEST_PORT: '3977', HOST: '127.0.0.1' });
    const fx = new IngestFixture(config);
    let ingest: RunningService | null = null;
    try {
      await fx.setUp();
      ingest = await startService('ingest', config, 3977);
      const valid = asMessages(makeInteractions(30, { idPrefix: 'm' }));
      await produce(fx.kafka, fx.topics.interactions, [...valid, ...valid.slice(0, 5), ...malformedMessages(7)]);
      await fx.waitForTotals({ interactions: 30, duplicates: 5, deadLettered: 7 });
      const t = fx.topics.interactions.replace(/\./g, '\\.');
      const count = (outcome: string) => new RegExp(`recsys_ingest_events_total\\{topic="${t}",outcome="${outcome}"\\} (\\d+)`);
      // a batch's counters move after its rows are stored: read until they reach the totals (30 s at most), then compare
      let text = '';
      const value = (outcome: string) => Number(text.match(count(outcome))?.[1] ?? 0);
      await eventually(async () => {
        text = await (await fetch(`${ingest!.url}/metrics`)).text();
        return value('stored') >= 30 && value('duplicate') >= 5 && value('dead_lettered') >= 7;
      }, 30_000);
      expect(value('stored')).toBe(30);
      expect(value('duplicate')).toBe(5);
      expect(value('dead_lettered')).toBe(7);
    } finally {
      await ingest?.stop();
      await fx.tearDown();
    }
  });
});
