import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { clusterMetricsText, joinClusterMetrics } from './cluster-metrics';
import { DomainError } from './http-errors';

/**
 * The Prometheus metrics of one process (CONTRACT section 5), in its own registry so tests can
 * run several services in one process without clashes. In a worker of an API cluster the registry
 * joins the primary's aggregation: counters and histograms sum over the workers, and each gauge
 * names the `aggregator` whose result means the same for the cluster as for one process.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly ingestEvents = new Counter({
    name: 'recsys_ingest_events_total',
    help: 'Consumed messages by topic and outcome (stored, duplicate, dead_lettered, abusive).',
    labelNames: ['topic', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'recsys_http_request_duration_seconds',
    help: 'HTTP request duration by route.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly modelVersionInfo = new Gauge({
    name: 'recsys_model_version_info',
    help: 'The active model version as this process last read it from the registry (value 1).',
    labelNames: ['version'] as const,
    // 1 in every worker that serves the version: the cluster serves it (1), not N times
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly trainingRuns = new Counter({
    name: 'recsys_training_runs_total',
    help: 'Training runs by kind (incremental, full) and outcome (published, rejected, skipped, failed).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly trainingStepSeconds = new Histogram({
    name: 'recsys_training_step_seconds',
    help: 'Wall time of a training run that built a candidate (read, step, gate, artifact), by kind.',
    labelNames: ['kind'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [this.registry],
  });

  readonly modelLoadFailures = new Counter({
    name: 'recsys_model_load_failures_total',
    help: 'Model artifacts that could not be loaded (missing, corrupt, failing their checksum or sanity query); the process kept serving the model it had.',
    registers: [this.registry],
  });

  readonly impressions = new Counter({
    name: 'recsys_impressions_total',
    help: 'Impressions attributed to a model version through requestId.',
    labelNames: ['model_version'] as const,
    registers: [this.registry],
  });

  readonly clicks = new Counter({
    name: 'recsys_clicks_total',
    help: 'Clicks attributed to a model version through requestId.',
    labelNames: ['model_version'] as const,
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'recsys_ingest_consumer_lag_messages',
    help: 'Messages behind the newest offset, by topic.',
    labelNames: ['topic'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly consumerStalled = new Gauge({
    name: 'recsys_ingest_consumer_stalled',
    help: '1 while lag grows and nothing is consumed (watchdog), else 0.',
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly consumerRestarts = new Counter({
    name: 'recsys_ingest_consumer_restarts_total',
    help: 'Consumer restarts after a kafkajs crash event.',
    registers: [this.registry],
  });

  readonly featureFailures = new Counter({
    name: 'recsys_ingest_feature_failures_total',
    help: 'Batches stored in PostgreSQL whose Redis features could not be applied at once (they catch up later).',
    labelNames: ['topic'],
    registers: [this.registry],
  });

  readonly logResets = new Counter({
    name: 'recsys_ingest_log_resets_total',
    help: 'Partitions whose stored offset did not belong to their log (topic recreated, restored, new cluster) and were consumed again from the start.',
    labelNames: ['topic'],
    registers: [this.registry],
  });

  readonly unattributed = new Counter({
    name: 'recsys_ingest_unattributed_total',
    help: 'Interactions stored without a model version although they carried a requestId: `unsigned` (not a request id of this service) or `bad_signature` (forged or signed with another key).',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly productBroadcastFailures = new Counter({
    name: 'recsys_ingest_product_broadcast_failures_total',
    help: 'Committed batches whose product changes could not be published on Redis (the API processes read them from PostgreSQL instead).',
    labelNames: ['topic'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'recsys_process_' });
    joinClusterMetrics(this.registry);
  }

  /** The exposition text for `GET /metrics`: this process's, or the whole cluster's in a worker of an API cluster. */
  async text(): Promise<string> {
    try {
      return await clusterMetricsText(this.registry);
    } catch (err) {
      throw new DomainError(503, 'metrics_unavailable', err instanceof Error ? err.message : String(err));
    }
  }
}
