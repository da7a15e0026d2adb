import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * The IPC protocol between an API cluster's primary and its workers. A worker offers its registry (`join`); once the
 * primary took it in (`joined`), the worker's `/metrics` asks the primary (`cluster`), which collects every member's
 * metrics as JSON (`collect` / `local`), aggregates them with prom-client's AggregatorRegistry (counters and histograms
 * sum, gauges by their `aggregator`) and answers the text (`text`).
 */
const MSG = {
  join: 'recsys:metrics:join',
  joined: 'recsys:metrics:joined',
  cluster: 'recsys:metrics:cluster',
  text: 'recsys:metrics:text',
  collect: 'recsys:metrics:collect',
  local: 'recsys:metrics:local',
} as const;

/** How long the primary waits for each member's metrics, in ms. */
const COLLECT_TIMEOUT_MS = 5_000;
/** How long a worker waits for the cluster's metrics, in ms (above the primary's collection timeout, so that one answers first). */
const CLUSTER_TIMEOUT_MS = 8_000;

/** One registry's metrics as `getMetricsAsJSON()` gives them (what the aggregation takes, one entry per registry). */
type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** A message of the metrics protocol. */
export interface MetricsMessage {
  type: string;
  id?: number;
  text?: string;
  metrics?: RegistryJson[];
  error?: string;
}

function isMessage(m: unknown): m is MetricsMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('recsys:metrics:');
}

/** The registries this worker shares with the primary, and its open requests for the cluster's text. */
const worker = {
  registries: [] as Registry[],
  joined: false,
  listening: false,
  nextId: 0,
  pending: new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>(),
};

function onWorkerMessage(message: unknown): void {
  if (!isMessage(message)) return;
  if (message.type === MSG.joined) {
    worker.joined = true;
  } else if (message.type === MSG.collect) {
    const id = message.id;
    Promise.all(worker.registries.map((r) => r.getMetricsAsJSON()))
      .then((metrics) => process.send?.({ type: MSG.local, id, metrics }))
      .catch((err: unknown) => process.send?.({ type: MSG.local, id, error: err instanceof Error ? err.message : String(err) }));
  } else if (message.type === MSG.text && message.id !== undefined) {
    const request = worker.pending.get(message.id);
    if (!request) return;
    worker.pending.delete(message.id);
    clearTimeout(request.timer);
    if (typeof message.text === 'string') request.resolve(message.text);
    else request.reject(new Error(message.error ?? 'the primary sent no metrics'));
  }
}

/**
 * In a worker of an API cluster: offers `registry` to the primary's aggregation (and answers its collection
 * requests). In any other process it does nothing, and {@link clusterMetricsText} answers the registry's own metrics.
 */
export function joinClusterMetrics(registry: Registry): void {
  if (!cluster.isWorker || typeof process.send !== 'function') return;
  worker.registries.push(registry);
  if (!worker.listening) {
    worker.listening = true;
    process.on('message', onWorkerMessage);
  }
  process.send({ type: MSG.join });
}

/**
 * The exposition text for `GET /metrics`: the whole cluster's when this process is a worker the primary took in,
 * else `registry`'s own. Rejects when the cluster's metrics cannot be collected in time (a scrape that fails is
 * better than one that silently leaves out a worker, which would look like a counter reset).
 */
export async function clusterMetricsText(registry: Registry): Promise<string> {
  if (!worker.joined || typeof process.send !== 'function' || !process.connected) return registry.metrics();
  const id = worker.nextId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.pending.delete(id);
      reject(new Error(`the cluster's metrics did not arrive within ${CLUSTER_TIMEOUT_MS} ms`));
    }, CLUSTER_TIMEOUT_MS);
    worker.pending.set(id, { resolve, reject, timer });
    process.send?.({ type: MSG.cluster, id }, undefined, {}, (err: Error | null) => {
      if (!err) return;
      worker.pending.delete(id);
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** What the aggregator needs of a cluster worker (node:cluster's Worker has it). */
export interface MetricsMember {
  readonly id: number;
  send(message: MetricsMessage): boolean;
  isConnected(): boolean;
}

interface Collection {
  waiting: Set<number>;
  results: RegistryJson[];
  done: (err: Error | null) => void;
}

/**
 * The primary's side of the cluster's metrics: the members that joined, and the aggregation a worker's `/metrics`
 * asks for. Wire {@link onMessage} and {@link onExit} to the cluster's `message` and `exit` events.
 */
export class ClusterMetricsAggregator {
  private readonly members = new Map<number, MetricsMember>();
  private readonly collections = new Map<number, Collection>();
  private nextId = 0;

  constructor(private readonly warn: (message: string) => void = () => undefined) {}

  /** Handles one IPC message from `from`; ignores messages of other protocols. */
  onMessage(from: MetricsMember, message: unknown): void {
    if (!isMessage(message)) return;
    if (message.type === MSG.join) {
      this.members.set(from.id, from);
      from.send({ type: MSG.joined });
    } else if (message.type === MSG.cluster && message.id !== undefined) {
      const id = message.id;
      this.text()
        .then((text) => from.isConnected() && from.send({ type: MSG.text, id, text }))
        .catch((err: unknown) => {
          const error = err instanceof Error ? err.message : String(err);
          this.warn(`cluster metrics: ${error}`);
          if (from.isConnected()) from.send({ type: MSG.text, id, error });
        });
    } else if (message.type === MSG.local && message.id !== undefined) {
      const collection = this.collections.get(message.id);
      if (!collection || !collection.waiting.has(from.id)) return;
      if (message.error !== undefined || !message.metrics) {
        collection.done(new Error(`worker ${from.id} could not read its metrics: ${message.error ?? 'no metrics'}`));
        return;
      }
      collection.results.push(...message.metrics);
      collection.waiting.delete(from.id);
      if (collection.waiting.size === 0) collection.done(null);
    }
  }

  /** A worker that exited is no member any more; a collection waiting on it goes on without it (its metrics are gone). */
  onExit(member: { id: number }): void {
    this.members.delete(member.id);
    for (const collection of this.collections.values()) {
      if (collection.waiting.delete(member.id) && collection.waiting.size === 0) collection.done(null);
    }
  }

  /** The aggregated exposition text of every member. */
  async text(): Promise<string> {
    const results = await this.collect();
    return AggregatorRegistry.aggregate(results).metrics();
  }

  private collect(): Promise<RegistryJson[]> {
    const id = this.nextId++;
    const members = [...this.members.values()].filter((m) => m.isConnected());
    return new Promise<RegistryJson[]>((resolve, reject) => {
      const collection: Collection = {
        waiting: new Set(members.map((m) => m.id)),
        results: [],
        done: (err) => {
          if (!this.collections.delete(id)) return;
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(collection.results);
        },
      };
      const timer = setTimeout(
        () => collection.done(new Error(`worker(s) ${[...collection.waiting].join(', ')} sent no metrics within ${COLLECT_TIMEOUT_MS} ms`)),
        COLLECT_TIMEOUT_MS,
      );
      this.collections.set(id, collection);
      if (members.length === 0) collection.done(null);
      for (const member of members) member.send({ type: MSG.collect, id });
    });
  }
}
