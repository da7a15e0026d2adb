import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { ConsumeFromOffset, ResilientConsumer, kafkaSignals } from '@recsys/messaging';

/** A stand-in for a kafkajs consumer: records calls, lets the test fire events and batches. */
class FakeConsumer extends EventEmitter {
  events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join', COMMIT_OFFSETS: 'consumer.commit_offsets' };
  runs = 0;
  disconnected = 0;
  seeks: { topic: string; partition: number; offset: string }[] = [];
  eachBatch: ((payload: unknown) => Promise<void>) | null = null;
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(opts: { eachBatch: (payload: unknown) => Promise<void> }): Promise<void> {
    this.runs++;
    this.eachBatch = opts.eachBatch;
  }
  seek(s: { topic: string; partition: number; offset: string }): void {
    this.seeks.push(s);
  }
  async disconnect(): Promise<void> {
    this.disconnected++;
  }
}

/** The group's committed offsets as the broker answers them (`topic:partition` -> offset; absent: '-1'). */
const groupOffsets = new Map<string, string>();

function fakeKafka(): { kafka: Kafka; made: FakeConsumer[] } {
  const made: FakeConsumer[] = [];
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchOffsets: async ({ topics }: { topics: string[] }) =>
      topics.map((topic) => ({ topic, partitions: [{ partition: 0, offset: groupOffsets.get(`${topic}:0`) ?? '-1' }] })),
  };
  const kafka = { consumer: () => made[made.push(new FakeConsumer()) - 1], admin: () => admin } as unknown as Kafka;
  return { kafka, made };
}

function batch(messages: { offset: string }[], state: { resolved: string[]; commits: number }) {
  return {
    batch: { topic: 't', partition: 0, messages, firstOffset: () => messages[0]?.offset },
    resolveOffset: (o: string) => state.resolved.push(o),
    heartbeat: async () => undefined,
    commitOffsetsIfNecessary: async () => {
      state.commits++;
    },
    isRunning: () => true,
    isStale: () => false,
  };
}

describe('the resilient consumer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('rebuilds and reruns the consumer after a crash that kafkajs will not restart itself', async () => {
    const { kafka, made } = fakeKafka();
    let restarts = 0;
    const c = new ResilientConsumer(kafka, { groupId: 'g', topics: ['t'], handler: async () => undefined, onRestart: () => restarts++ });
    expect(c.running).toBe(false);
    await c.start();
    expect(c.running).toBe(true);
    made[0].emit('consumer.crash', { payload: { error: new Error('boom'), restart: false } });
    expect(c.running).toBe(false); // readiness reports it while it is rebuilt
    await jest.advanceTimersByTimeAsync(999);
    expect(made).toHaveLength(1); // the first rebuild waits a second
    await jest.advanceTimersByTimeAsync(1);
    expect(restarts).toBe(1);
    expect(c.running).toBe(true);
    expect(made).toHaveLength(2);
    expect(made[0].disconnected).toBe(1);
    expect(made[1].runs).toBe(1);
    await c.stop();
    expect(c.running).toBe(false);
  });

  it('leaves a crash that kafkajs restarts by itself alone', async () => {
    const { kafka, made } = fakeKafka();
    const c = new ResilientConsumer(kafka, { groupId: 'g', topics: ['t'], handler: async () => undefined });
    await c.start();
    made[0].emit('consumer.crash', { payload: { error: new Error('retriable'), restart: true } });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(made).toHaveLength(1);
    expect(c.running).toBe(true);
    await c.stop();
  });

  it('retries a failing batch until it succeeds, and only then resolves and commits its offset', async () => {
    const { kafka, made } = fakeKafka();
    let calls = 0;
    const c = new ResilientConsumer(kafka, {
      groupId: 'g',
      topics: ['t'],
      handler: async () => {
        if (++calls < 3) throw new Error('database unreachable');
      },
    });
    await c.start();
    const state = { resolved: [] as string[], commits: 0 };
    const done = made[0].eachBatch!(batch([{ offset: '7' }, { offset: '8' }], state));
    await jest.advanceTimersByTimeAsync(399);
    expect(calls).toBe(1);
    expect(state).toEqual({ resolved: [], commits: 0 }); // still retrying: nothing committed
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await jest.advanceTimersByTimeAsync(800);
    await done;
    expect(calls).toBe(3);
    expect(state).toEqual({ resolved: ['8'], commits: 1 });
    expect(c.consumed).toBe(2);
    await c.stop();
  });

  it('seeks instead of retrying when the handler asks to consume from another offset, and commits nothing', async () => {
    const { kafka, made } = fakeKafka();
    const c = new ResilientConsumer(kafka, {
      groupId: 'g',
      topics: ['t'],
      handler: async () => {
        throw new ConsumeFromOffset('t', 0, 3);
      },
    });
    await c.start();
    const state = { resolved: [] as string[], commits: 0 };
    await made[0].eachBatch!(batch([{ offset: '7' }], state));
    expect(made[0].seeks).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
    expect(state).toEqual({ resolved: [], commits: 0 });
    await c.stop();
  });

  it('asks the handler to verify a partition on its first batch, after a group join and after a vanished partition', async () => {
    const { kafka, made } = fakeKafka();
    const verify: boolean[] = [];
    const c = new ResilientConsumer(kafka, { groupId: 'g', topics: ['t'], handler: async (_t, _p, _m, ctx) => void verify.push(ctx.verify) });
    await c.start();
    const state = { resolved: [] as string[], commits: 0 };
    const run = () => made[0].eachBatch!(batch([{ offset: '1' }], state));
    await run();
    await run();
    made[0].emit('consumer.group_join', {});
    await run();
    await run();
    kafkaSignals.emit('partition-error', 'This server does not host this topic-partition');
    await run();
    expect(verify).toEqual([true, false, true, false, true]);
    await c.stop();
  });

  it('verifies a partition whose committed offset vanished while a batch was handled (its topic deleted meanwhile)', async () => {
    const { kafka, made } = fakeKafka();
    const verify: boolean[] = [];
    const c = new ResilientConsumer(kafka, { groupId: 'g', topics: ['t'], handler: async (_t, _p, _m, ctx) => void verify.push(ctx.verify) });
    await c.start();
    const state = { resolved: [] as string[], commits: 0 };
    const commit = (offset: string) => {
      groupOffsets.set('t:0', offset);
      made[0].emit('consumer.commit_offsets', { payload: { topics: [{ topic: 't', partitions: [{ partition: 0, offset }] }] } });
    };
    await made[0].eachBatch!(batch([{ offset: '0' }], state));
    commit('1');
    await made[0].eachBatch!(batch([{ offset: '1' }], state)); // the group still holds what this member committed
    commit('2');
    groupOffsets.delete('t:0'); // the topic deleted and created again: the broker dropped the group's offsets
    await made[0].eachBatch!(batch([{ offset: '2' }], state));
    commit('3');
    await made[0].eachBatch!(batch([{ offset: '3' }], state));
    await made[0].eachBatch!(batch([{ offset: '4' }], state));
    expect(verify).toEqual([true, false, false, true, false]);
    expect(state.resolved).toEqual(['0', '1', '2', '3', '4']);
    await c.stop();
  });
});
