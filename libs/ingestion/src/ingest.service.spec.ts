/**
 * IngestService with a fake repository (PostgreSQL's behaviour reduced to what the service relies on: one transaction
 * per call, the partition offset, a data error for a value it cannot hold). The real database runs in
 * test/integration/ingest-poison.spec.ts.
 */
import { createHash } from 'crypto';
import type { Message } from 'kafkajs';
import { EventValidator, signRequestId, verifyRequestId, type DeadLetterRecord } from '@recsys/contracts';
import type { FeatureEvent, FeatureStore, ProductChange } from '@recsys/features';
import type { IngestRepository } from './ingest.repository';
import { DEAD_LETTER_CHUNK_BYTES, DEAD_LETTER_MAX_ORIGINAL_BYTES, DEAD_LETTER_PAGE_BYTES, IngestService, dataErrorCode, type RawMessage } from './ingest.service';
import { fingerprintOf, type BatchOutcome, type PreparedMessage, type UnpublishedDeadLetter } from './ingest.types';

const TOPICS = { interactions: 't.interactions', products: 't.products' };

/** A lone surrogate is valid JSON and passes the schema, but jsonb refuses it: the real case of a data error. */
const refusedByJsonb = (m: PreparedMessage) => m.kind === 'interaction' && /[\ud800-\udfff]/.test(m.event.userId);

class FakeRepository {
  next = 0;
  fingerprint: string | null = null;
  resets = 0;
  transactions = 0;
  failOnConnection = 0;
  readonly stored: string[] = [];
  readonly modelVersions = new Map<string, string | null>();
  readonly products = new Map<string, number>();
  readonly deadLetters = new Map<number, { offset: number; reasonCode: string; reasonMessage: string; original: Buffer | null; key: Buffer | null; published: boolean }>();
  /** The byte budget of every outbox read (what the service asked for). */
  readonly pageBudgets: number[] = [];

  async applyBatch(_topic: string, _partition: number, messages: readonly PreparedMessage[]): Promise<BatchOutcome> {
    this.transactions++;
    if (this.failOnConnection > 0) {
      this.failOnConnection--;
      throw Object.assign(new Error('Connection terminated unexpectedly'), {});
    }
    const todo = messages.filter((m) => m.offset >= this.next);
    if (todo.some(refusedByJsonb)) throw Object.assign(new Error('invalid input syntax for type json'), { code: '22P02' });
    const out: BatchOutcome = { replayed: messages.length - todo.length, stored: 0, duplicates: 0, superseded: 0, deadLettered: 0, abusive: 0, fresh: [], productChanges: [], fromOffset: this.next, nextOffset: this.next };
    for (const m of todo) {
      if (m.kind === 'invalid') {
        if (!this.deadLetters.has(m.offset)) this.deadLetters.set(m.offset, { offset: m.offset, reasonCode: m.error.code, reasonMessage: m.error.message, original: m.value, key: m.key ?? null, published: false });
        out.deadLettered++;
      } else if (m.kind === 'interaction') {
        this.stored.push(m.event.eventId);
        this.modelVersions.set(m.event.eventId, m.modelVersion);
        out.stored++;
        out.fresh.push({ offset: m.offset, event: m.event, modelVersion: m.modelVersion });
      } else if ((this.products.get(m.event.itemId) ?? -Infinity) <= m.event.ts) {
        this.products.set(m.event.itemId, m.event.ts);
        out.stored++;
        out.productChanges.push({ itemId: m.event.itemId, ts: m.event.ts, deleted: m.event.type === 'product_delete', event: m.event });
      } else out.superseded++;
    }
    if (todo.length) {
      this.next = out.nextOffset = todo[todo.length - 1].offset + 1;
      this.fingerprint = fingerprintOf(todo[todo.length - 1]);
    }
    return out;
  }

  /** As PostgreSQL answers it: heads cut at `headBytes`, whole size and sha256, rows up to `maxHeadBytes` of heads. */
  async unpublishedDeadLetters(_t: string, _p: number, limit: number, headBytes: number, maxHeadBytes: number): Promise<UnpublishedDeadLetter[]> {
    this.pageBudgets.push(maxHeadBytes);
    const out: UnpublishedDeadLetter[] = [];
    let bytes = 0;
    for (const d of [...this.deadLetters.values()].filter((x) => !x.published).sort((a, b) => a.offset - b.offset).slice(0, limit)) {
      const original = d.original ?? Buffer.alloc(0);
      const head = original.subarray(0, headBytes);
      if (out.length > 0 && bytes + head.length > maxHeadBytes) break;
      bytes += head.length;
      out.push({ offset: d.offset, reasonCode: d.reasonCode, reasonMessage: d.reasonMessage, originalHead: head, originalBytes: original.length, originalSha256: createHash('sha256').update(original).digest('hex'), key: d.key });
    }
    return out;
  }

  async partitionState(): Promise<{ nextOffset: number; fingerprint: string | null }> {
    return { nextOffset: this.next, fingerprint: this.fingerprint };
  }

  async offsetsDisagree(): Promise<boolean> {
    return false;
  }

  async resetPartition(): Promise<void> {
    this.resets++;
    this.next = 0;
    this.fingerprint = null;
  }

  async markDeadLettersPublished(_t: string, _p: number, offsets: readonly number[]): Promise<void> {
    for (const o of offsets) (this.deadLetters.get(o) as { published: boolean }).published = true;
  }
}

const KEY = Buffer.from('unit-test-request-id-key');

function setup() {
  const repo = new FakeRepository();
  const published: Message[][] = [];
  const applied: FeatureEvent[] = [];
  const broadcasts: ProductChange[][] = [];
  const broadcast = { fail: false };
  let appliedOffset = 0;
  const features = {
    appliedOffset: async () => appliedOffset,
    apply: async (events: FeatureEvent[], at: { nextOffset: number }) => {
      applied.push(...events);
      appliedOffset = at.nextOffset;
    },
    publishProductChanges: async (changes: ProductChange[]) => {
      if (broadcast.fail) throw new Error('Command timed out');
      broadcasts.push(changes);
      return 1;
    },
    resetAppliedOffset: async () => void (appliedOffset = 0),
  } as unknown as FeatureStore;
  const log = { low: 0, high: -1, resets: [] as string[] };
  const metrics = { attributed: [] as string[], unattributed: {} as Record<string, number>, notBroadcast: [] as string[] };
  const service = new IngestService(repo as unknown as IngestRepository, features, new EventValidator(), { verify: (id) => verifyRequestId(id, KEY) }, TOPICS, {
    publishDeadLetters: async (m) => void published.push(m),
    count: () => undefined,
    attributed: (version, type) => void metrics.attributed.push(`${version}:${type}`),
    unattributed: (reason, n) => void (metrics.unattributed[reason] = (metrics.unattributed[reason] ?? 0) + n),
    productChangesNotPublished: (_t, _p, reason) => void metrics.notBroadcast.push(reason),
    watermarks: async () => ({ low: log.low, high: log.high < 0 ? repo.next : log.high }),
    logReset: (_t, _p, reason) => void log.resets.push(reason),
    featuresBehind: () => undefined,
    featuresCaughtUp: () => undefined,
  });
  return { repo, published, applied, service, log, metrics, broadcasts, broadcast };
}

const click = (i: number, userId = `u-${i % 7}`) => JSON.stringify({ eventId: `e-${i}`, type: 'click', userId, itemId: `i-${i % 13}`, ts: 1_700_000_000_000 + i });
const batch = (values: (string | Buffer)[], from = 0): RawMessage[] => values.map((v, i) => ({ offset: String(from + i), key: Buffer.from('k'), value: Buffer.from(v) }));
const records = (published: Message[][]) => published.flat().map((m) => JSON.parse(m.value as string) as DeadLetterRecord);

describe('IngestService: one message never stops a partition', () => {
  it('dead-letters a message PostgreSQL refuses, with its reason, and stores everything around it', async () => {
    const { repo, service, published, applied } = setup();
    const values = [...Array.from({ length: 100 }, (_, i) => click(i)), click(100, 'poison\ud800user'), ...Array.from({ length: 49 }, (_, i) => click(101 + i))];
    const outcome = await service.handleBatch(TOPICS.interactions, 0, batch(values));
    expect(outcome).toMatchObject({ stored: 149, deadLettered: 1, fromOffset: 0, nextOffset: 150 });
    expect(repo.next).toBe(150);
    expect(repo.stored).toHaveLength(149);
    expect(repo.stored).not.toContain('e-100');
    expect(applied).toHaveLength(149);
    const [dl] = records(published);
    expect(dl.reason.code).toBe('unstorable');
    expect(dl.reason.message).toContain('SQLSTATE 22P02');
    expect(dl.source).toEqual({ topic: TOPICS.interactions, partition: 0, offset: '100' });
    // bisection: a handful of transactions, not one per message
    expect(repo.transactions).toBeLessThan(2 * Math.ceil(Math.log2(150)) + 4);
  });

  it('isolates several refused messages in one batch', async () => {
    const { repo, service, published } = setup();
    const values = Array.from({ length: 64 }, (_, i) => (i % 16 === 5 ? click(i, `bad\udc00${i}`) : click(i)));
    const outcome = await service.handleBatch(TOPICS.interactions, 0, batch(values));
    expect(outcome).toMatchObject({ stored: 60, deadLettered: 4, nextOffset: 64 });
    expect(records(published).map((r) => (r.source as { offset: string }).offset)).toEqual(['5', '21', '37', '53']);
    expect(repo.next).toBe(64);
  });

  it('retries nothing itself on a connection-level failure (the consumer retries the batch) and publishes each dead letter once', async () => {
    const { repo, service, published } = setup();
    const values = [click(0), 'not json', click(2)];
    repo.failOnConnection = 1;
    await expect(service.handleBatch(TOPICS.interactions, 0, batch(values))).rejects.toThrow('Connection terminated');
    expect(published).toHaveLength(0);
    await service.handleBatch(TOPICS.interactions, 0, batch(values));
    await service.handleBatch(TOPICS.interactions, 0, batch(values)); // a replay after a rebalance
    expect(records(published).map((r) => r.reason.code)).toEqual(['not_json']);
    expect(repo.stored).toEqual(['e-0', 'e-2']);
  });

  it('sends dead letters in requests below the broker limit and cuts an original too large to carry', async () => {
    const { service, published } = setup();
    const huge = Buffer.alloc(900 * 1024, 0x61); // ~900 KB of non-JSON
    const values: (string | Buffer)[] = [huge, ...Array.from({ length: 2000 }, (_, i) => `bad ${i} `.repeat(300)), huge];
    const outcome = await service.handleBatch(TOPICS.interactions, 0, batch(values));
    expect(outcome.deadLettered).toBe(2002);
    const recs = records(published);
    expect(recs).toHaveLength(2002);
    for (const request of published) expect(request.reduce((s, m) => s + Buffer.byteLength(m.value as string), 0)).toBeLessThanOrEqual(DEAD_LETTER_CHUNK_BYTES);
    const big = recs[0];
    expect(big).toMatchObject({ originalTruncated: true, originalBytes: huge.length });
    expect(Buffer.from(big.originalBase64, 'base64').length).toBe(DEAD_LETTER_MAX_ORIGINAL_BYTES);
    expect(big.originalSha256).toBe(createHash('sha256').update(huge).digest('hex'));
    expect(recs[1].originalTruncated).toBeUndefined();
  });

  it('reads the outbox in pages bounded by bytes and still publishes every dead letter once, in offset order', async () => {
    const { repo, service, published } = setup();
    // 40 originals of 300 KB: heads of 256 KB each, so 8 MiB of heads hold 32 of them per read
    const values = Array.from({ length: 40 }, (_, i) => Buffer.alloc(300 * 1024, 0x61 + (i % 26)));
    await service.handleBatch(TOPICS.interactions, 0, batch(values));
    const recs = records(published);
    expect(recs.map((r) => Number((r.source as { offset: string }).offset))).toEqual(values.map((_, i) => i));
    expect(repo.pageBudgets.every((b) => b === DEAD_LETTER_PAGE_BYTES)).toBe(true);
    expect(repo.pageBudgets.length).toBe(3); // 32 rows, 8 rows, then the empty read that ends it
    for (const [i, r] of recs.entries()) {
      expect(r).toMatchObject({ originalTruncated: true, originalBytes: 300 * 1024, originalSha256: createHash('sha256').update(values[i]).digest('hex') });
    }
  });

  it('dead-letters a refused message as it was consumed: its raw bytes and key, their size and sha256', async () => {
    const { service, published, repo } = setup();
    // extra fields and spacing that a re-serialized event would not keep
    const raw = `{ "eventId": "e-1", "type": "click", "userId": "bad\\ud800", "itemId": "i-1", "ts": 1700000000000, "extra": "kept" }`;
    const refused = JSON.parse(raw) as { userId: string };
    expect(/[\ud800-\udfff]/.test(refused.userId)).toBe(true);
    const messages: RawMessage[] = [
      { offset: '0', key: Buffer.from('u-a'), value: Buffer.from(click(0)) },
      { offset: '1', key: Buffer.from('the-key'), value: Buffer.from(raw) },
      { offset: '2', key: Buffer.from('u-b'), value: Buffer.from(click(2)) },
    ];
    expect(await service.handleBatch(TOPICS.interactions, 0, messages)).toMatchObject({ stored: 2, deadLettered: 1 });
    expect(repo.deadLetters.get(1)).toMatchObject({ reasonCode: 'unstorable', original: Buffer.from(raw), key: Buffer.from('the-key') });
    const [dl] = records(published);
    expect(Buffer.from(dl.originalBase64, 'base64').toString()).toBe(raw);
    expect(dl).toMatchObject({ originalBytes: Buffer.byteLength(raw), originalSha256: createHash('sha256').update(raw).digest('hex'), keyBase64: Buffer.from('the-key').toString('base64') });
  });
});

describe('IngestService: a stored offset belongs to one log', () => {
  it('skips a replay of the same log', async () => {
    const { repo, service, log } = setup();
    const values = Array.from({ length: 10 }, (_, i) => click(i));
    await service.handleBatch(TOPICS.interactions, 0, batch(values));
    const again = await service.handleBatch(TOPICS.interactions, 0, batch(values.slice(4), 4));
    expect(again).toMatchObject({ replayed: 6, stored: 0 });
    expect(log.resets).toEqual([]);
    expect(repo.stored).toHaveLength(10);
  });

  it('consumes a recreated topic refilled past the old offsets instead of dropping it as replayed', async () => {
    const { repo, service, log, applied } = setup();
    await service.handleBatch(TOPICS.interactions, 0, batch(Array.from({ length: 10 }, (_, i) => click(i))));
    const fresh = Array.from({ length: 15 }, (_, i) => click(1000 + i));
    const outcome = await service.handleBatch(TOPICS.interactions, 0, batch(fresh));
    expect(log.resets).toHaveLength(1);
    expect(log.resets[0]).toContain('offset 9');
    expect(outcome).toMatchObject({ replayed: 0, stored: 15, nextOffset: 15 });
    expect(repo.stored).toHaveLength(25);
    expect(applied).toHaveLength(25);
  });

  it('detects a recreated log that ends before the stored offset and asks to consume it from its start', async () => {
    const { repo, service, log } = setup();
    await service.handleBatch(TOPICS.interactions, 0, batch(Array.from({ length: 10 }, (_, i) => click(i))));
    log.high = 5;
    log.low = 0;
    await expect(service.handleBatch(TOPICS.interactions, 0, batch([click(2000), click(2001)], 3))).rejects.toThrow('again from offset 0');
    expect(log.resets).toHaveLength(1);
    expect(log.resets[0]).toContain('ends at offset 5');
    expect(repo.next).toBe(0);
    const outcome = await service.handleBatch(TOPICS.interactions, 0, batch([click(1997), click(1998), click(1999), click(2000), click(2001)]));
    expect(outcome).toMatchObject({ stored: 5, nextOffset: 5 });
  });
});

describe('IngestService: verifying a position after a join or a vanished partition', () => {
  it('reads back one message to compare it, and goes on when it is the stored one', async () => {
    const { repo, service, log } = setup();
    const values = Array.from({ length: 10 }, (_, i) => click(i));
    await service.handleBatch(TOPICS.interactions, 0, batch(values));
    const more = [click(10), click(11)];
    await expect(service.handleBatch(TOPICS.interactions, 0, batch(more, 10), { verify: true })).rejects.toThrow('again from offset 9');
    const outcome = await service.handleBatch(TOPICS.interactions, 0, batch([values[9], ...more], 9), { verify: true });
    expect(outcome).toMatchObject({ replayed: 1, stored: 2, nextOffset: 12 });
    expect(log.resets).toEqual([]);
    expect(repo.stored).toHaveLength(12);
  });

  it('finds a position that continued into a new log and consumes that log from its start', async () => {
    const { repo, service, log } = setup();
    await service.handleBatch(TOPICS.interactions, 0, batch(Array.from({ length: 10 }, (_, i) => click(i))));
    const other = Array.from({ length: 14 }, (_, i) => click(500 + i));
    await expect(service.handleBatch(TOPICS.interactions, 0, batch(other.slice(10), 10), { verify: true })).rejects.toThrow('again from offset 9');
    await expect(service.handleBatch(TOPICS.interactions, 0, batch(other.slice(9), 9), { verify: true })).rejects.toThrow('again from offset 0');
    expect(log.resets).toHaveLength(1);
    const outcome = await service.handleBatch(TOPICS.interactions, 0, batch(other), { verify: true });
    expect(outcome).toMatchObject({ stored: 14, nextOffset: 14 });
    expect(repo.stored).toHaveLength(24);
  });
});

describe('IngestService: attribution by signed request id', () => {
  const event = (eventId: string, type: string, requestId?: string, context?: object) =>
    JSON.stringify({ eventId, type, userId: 'u-1', itemId: `i-${eventId}`, ts: 1_700_000_000_000, ...(requestId ? { requestId } : {}), ...(context ? { context } : {}) });

  it('takes the model version from a signed requestId at once, and counts unsigned and forged ones as unattributed', async () => {
    const { repo, service, metrics, applied } = setup();
    const signed = signRequestId('v7', KEY);
    const [tag, , random, sig] = signRequestId('v7', KEY).split('.');
    const forged = [tag, Buffer.from('v8').toString('base64url'), random, sig].join('.');
    const otherKey = signRequestId('v7', Buffer.from('another-key-another-key'));
    await service.handleBatch(
      TOPICS.interactions,
      0,
      batch([event('a', 'impression', signed), event('b', 'click', signed), event('c', 'click', 'r-7'), event('d', 'click', forged), event('e', 'click', otherKey), event('f', 'purchase')]),
    );
    expect(Object.fromEntries(repo.modelVersions)).toEqual({ a: 'v7', b: 'v7', c: null, d: null, e: null, f: null });
    expect(metrics.attributed).toEqual(['v7:impression', 'v7:click']);
    expect(metrics.unattributed).toEqual({ unsigned: 1, bad_signature: 2 });
    expect(applied.map((e) => e.modelVersion)).toEqual(['v7', 'v7', null, null, null, null]);
  });

  it('gives the features each event\'s device class', async () => {
    const { service, applied } = setup();
    await service.handleBatch(TOPICS.interactions, 0, batch([event('a', 'click', undefined, { device: 'Mobile' }), event('b', 'click', undefined, { device: 'fridge' }), event('c', 'click')]));
    expect(applied.map((e) => e.device)).toEqual(['mobile', 'other', 'other']);
  });
});

describe('IngestService: product-change broadcast', () => {
  const product = (eventId: string, itemId: string, ts: number, type = 'product_upsert') => JSON.stringify({ eventId, type, itemId, ts: 1_700_000_000_000 + ts, title: eventId });

  it('broadcasts the states a batch applied, one message per batch, the last per item, and no stale upsert', async () => {
    const { service, broadcasts } = setup();
    await service.handleBatch(TOPICS.products, 0, batch([product('p1', 'hat', 10), product('p2', 'scarf', 10)]));
    await service.handleBatch(TOPICS.products, 0, batch([product('p3', 'hat', 5), product('p4', 'scarf', 20), product('p5', 'scarf', 30, 'product_delete')], 2));
    expect(broadcasts.map((m) => m.map((c) => `${c.itemId}:${c.event.eventId}:${c.deleted}`))).toEqual([['hat:p1:false', 'scarf:p2:false'], ['scarf:p5:true']]);
    await service.handleBatch(TOPICS.products, 0, batch([product('p6', 'hat', 1)], 5));
    expect(broadcasts).toHaveLength(2);
  });

  it('reports a failed broadcast and neither fails nor retries the batch', async () => {
    const { repo, service, broadcasts, broadcast, metrics } = setup();
    broadcast.fail = true;
    const outcome = await service.handleBatch(TOPICS.products, 0, batch([product('p1', 'hat', 10)]));
    expect(outcome).toMatchObject({ stored: 1, nextOffset: 1 });
    expect(repo.next).toBe(1);
    expect(metrics.notBroadcast).toEqual(['Command timed out']);
    broadcast.fail = false;
    await service.handleBatch(TOPICS.products, 0, batch([product('p1', 'hat', 10)]));
    expect(broadcasts).toEqual([]);
  });
});

describe('dataErrorCode', () => {
  it('recognises SQLSTATE classes 22 and 23 only, on the error or its driver error', () => {
    expect(dataErrorCode({ code: '22P05' })).toBe('22P05');
    expect(dataErrorCode({ driverError: { code: '23502' } })).toBe('23502');
    expect(dataErrorCode({ code: '08006' })).toBeNull();
    expect(dataErrorCode({ code: '40001' })).toBeNull();
    expect(dataErrorCode({ code: 'ECONNREFUSED' })).toBeNull();
    expect(dataErrorCode(new Error('x'))).toBeNull();
  });
});
