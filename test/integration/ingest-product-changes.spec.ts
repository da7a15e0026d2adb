/**
 * The product changes ingest applied are broadcast on Redis pub/sub after their batch committed, so the scoring API can
 * update its catalog without polling: against the real broker, PostgreSQL and Redis, with a real subscriber.
 */
import Redis from 'ioredis';
import { FeatureKeys, parseProductChanges, type ProductChange } from '@recsys/features';
import { produce } from '../support/events';
import { IngestFixture } from '../support/ingest-fixture';
import { RunningService, startService } from '../support/services';
import { eventually, isolatedConfig } from '../support/test-env';

const TS = Date.UTC(2026, 0, 1);

describe('product-change broadcast', () => {
  const config = isolatedConfig({ INGEST_PORT: '3957', HOST: '127.0.0.1', IMAGE_EMBEDDING_DIM: '3' });
  const fx = new IngestFixture(config);
  const messages: ProductChange[][] = [];
  let subscriber: Redis;
  let ingest: RunningService | null = null;

  beforeAll(async () => {
    subscriber = new Redis(config.REDIS_URL);
    const channel = new FeatureKeys(config.REDIS_PREFIX).productChanges;
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === channel) messages.push(parseProductChanges(message));
    });
    await subscriber.subscribe(channel);
    await fx.setUp();
    ingest = await startService('ingest', config, 3957);
  });
  afterAll(async () => {
    await ingest?.stop();
    await subscriber.quit();
    await fx.tearDown();
  });

  const changes = () => messages.flat();
  /** Waits until a broadcast carries the event `eventId`; returns its change. */
  const broadcastOf = async (eventId: string): Promise<ProductChange> => {
    expect(await eventually(() => changes().some((c) => c.event.eventId === eventId), 60_000)).toBe(true);
    return changes().find((c) => c.event.eventId === eventId) as ProductChange;
  };
  // every message keyed by the one item: one partition, so the broadcasts come in the order sent
  const send = (event: object) => produce(fx.kafka, fx.topics.products, [{ key: 'hat', value: JSON.stringify(event) }]);

  it('broadcasts an upsert and a delete with the stored state, and not a stale upsert that lost to a newer ts', async () => {
    await send({
      eventId: 'p-1', type: 'product_upsert', itemId: 'hat', ts: TS + 20, title: 'Wool hat', description: 'Warm', category: 'apparel',
      brand: 'Acme', price: 19.9, imageEmbedding: [0.5, -0.25, 1], attributes: { color: 'red' },
    });
    expect(await broadcastOf('p-1')).toEqual({
      itemId: 'hat',
      ts: TS + 20,
      deleted: false,
      event: {
        eventId: 'p-1', type: 'product_upsert', itemId: 'hat', ts: TS + 20, title: 'Wool hat', description: 'Warm', category: ['apparel'],
        brand: 'Acme', price: 19.9, imageEmbedding: [0.5, -0.25, 1], attributes: { color: 'red' },
      },
    });

    await send({ eventId: 'p-2', type: 'product_delete', itemId: 'hat', ts: TS + 30 });
    // a tombstone keeps the content it had
    expect(await broadcastOf('p-2')).toEqual({
      itemId: 'hat',
      ts: TS + 30,
      deleted: true,
      event: {
        eventId: 'p-2', type: 'product_delete', itemId: 'hat', ts: TS + 30, title: 'Wool hat', description: 'Warm', category: ['apparel'],
        brand: 'Acme', price: 19.9, imageEmbedding: [0.5, -0.25, 1], attributes: { color: 'red' },
      },
    });

    await send({ eventId: 'p-3-stale', type: 'product_upsert', itemId: 'hat', ts: TS + 25, title: 'Old hat' });
    await send({ eventId: 'p-4', type: 'product_upsert', itemId: 'scarf', ts: TS + 40, title: 'Scarf' });
    // the later message on the same partition is broadcast: the stale one before it was not
    expect(await broadcastOf('p-4')).toMatchObject({ itemId: 'scarf', deleted: false, event: { title: 'Scarf' } });
    expect(changes().map((c) => c.event.eventId)).toEqual(['p-1', 'p-2', 'p-4']);
    expect(await fx.totals()).toMatchObject({ products: 2 });
    const [row] = await fx.query<{ deleted: boolean; event_id: string }>(`SELECT deleted, event_id FROM products WHERE item_id = 'hat'`);
    expect(row).toEqual({ deleted: true, event_id: 'p-2' });
  });
});
