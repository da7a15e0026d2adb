import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { ResilientConsumer } from '@recsys/messaging';

/** A stand-in for a kafkajs consumer: records calls, lets the test fire events and batches. */
class FakeConsumer extends EventEmitter {
  events = { CRASH: 'consumer.crash' };
  runs = 0;
  disconnected = 0;
  eachBatch: ((payload: unknown) => Promise<void>) | null = null;
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(opts: { eachBatch: (payload: unknown) => Promise<void> }): Promise<void> {
    this.runs++;
    this.eachBatch = opts.eachBatch;
  }
  async disconnect(): Promise<void> {
    this.disconnected++;
  }
}

function fakeKafka(): { kafka: Kafka; made: FakeConsumer[] } {
  const made: FakeConsumer[] = [];
  const kafka = { consumer: () => made[made.push(new FakeConsumer()) - 1] } as unknown as Kafka;
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
  it('rebuilds and reruns the consumer after a crash that kafkajs will not restart itself', async () => {
    const { kafka, made } = fakeKafka();
    let restarts = 0;
    const c = new ResilientConsumer(kafka, { groupId: 'g', topics: ['t'], handler: async () => undefined, onRestart: () => restarts++ });
    expect(c.running).toBe(false);
    await c.start();
    expect(c.running).toBe(true);
    made[0].emit('consumer.crash', { payload: { error: new Error('boom'), restart: false } });
    expect(c.running).toBe(false); // readiness reports it while it is rebuilt
    await new Promise((r) => setTimeout(r, 1200));
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
    await new Promise((r) => setTimeout(r, 50));
    expect(made).toHaveLength(1);
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
    const payload = batch([{ offset: '7' }, { offset: '8' }], state);
    const done = made[0].eachBatch!(payload);
    await new Promise((r) => setTimeout(r, 100));
    expect(state).toEqual({ resolved: [], commits: 0 }); // still retrying: nothing committed
    await done;
    expect(calls).toBe(3);
    expect(state).toEqual({ resolved: ['8'], commits: 1 });
    expect(c.consumed).toBe(2);
    await c.stop();
  });
});
