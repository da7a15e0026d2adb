import { availableParallelism } from 'node:os';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** Machine learning backends, tried in this order by `auto`. */
export const ML_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type MlBackendName = (typeof ML_BACKENDS)[number];

/**
 * Every configuration key of every service, with its default (CONTRACT section 2, plus the
 * operational keys documented in `.env.example`). Values come from environment variables.
 */
export const CONFIG_SCHEMA = z.object({
  /** Kafka bootstrap servers, comma-separated. Default `127.0.0.1:9092`. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((list) => list.length > 0, 'at least one broker'),
  /** Prefix of every topic name (`<prefix>.interactions`, ...). Default `recsys`. */
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/).default('recsys'),
  /** Consumer group of the ingest service. Default `recsys-ingest`. */
  KAFKA_GROUP_ID: z.string().min(1).default('recsys-ingest'),
  /** kafkajs client id. Default `recsys`. */
  KAFKA_CLIENT_ID: z.string().min(1).default('recsys'),
  /** Consumer group session timeout (ms): how long a silent member keeps its partitions. Default 30000 (the broker's minimum is 6000). */
  KAFKA_SESSION_TIMEOUT_MS: positiveInt.min(1000).default(30_000),
  /** PostgreSQL connection; the database is created if missing. */
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/recsys'),
  /** PostgreSQL schema holding the tables. Default `public`. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('public'),
  /** Redis connection for features and the job queue. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
  /** A Redis command fails after this many ms (so a Redis outage fails fast instead of queueing forever). Default 2000. */
  REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(2000),
  /** Days of event time (back from the newest event) that per-item counters and daily popularity keep in Redis. Default 14. */
  FEATURE_RETENTION_DAYS: positiveInt.max(3650).default(14),
  /** Days of event time that impressions and clicks per model version (CTR) keep in Redis. Default 90. */
  CTR_RETENTION_DAYS: positiveInt.max(3650).default(90),
  /** Hours of event time that the abuse filter's per-user-minute counts are kept (older ones are pruned). Default 48. */
  ABUSE_WINDOW_HOURS: positiveInt.default(48),
  /**
   * Stored interactions read back per partition and page when the ingest service's Redis features are behind PostgreSQL
   * (a crash between the two, a Redis outage). Default 5000.
   */
  INGEST_CATCH_UP_PAGE: positiveInt.max(100_000).default(5000),
  /** Prefix of every Redis key and BullMQ queue. Default `recsys`. */
  REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/).default('recsys'),
  /** Scoring API, admin API and dashboard port. Default 3000. */
  PORT: port.default(3000),
  /** Ingest service health and metrics port. Default 3001. */
  INGEST_PORT: port.default(3001),
  /** Trainer service health and metrics port. Default 3002. */
  TRAINER_PORT: port.default(3002),
  /** Bind address of the HTTP servers. Default `0.0.0.0`. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Bearer token for `/v1/admin/*`; unset means admin calls are refused. */
  ADMIN_TOKEN: z.string().min(8, 'ADMIN_TOKEN must be at least 8 characters').optional(),
  /** The API the `recsys` CLI talks to. Default `http://127.0.0.1:$PORT`. */
  RECSYS_URL: z.string().url().optional(),
  /** Where model artifacts are written. Default `./var/models`. */
  MODEL_DIR: z.string().min(1).default('./var/models'),
  /** Cron pattern of the incremental training step. Default hourly. */
  TRAIN_SCHEDULE: z
    .string()
    .default('0 * * * *')
    .refine((s) => s.trim().split(/\s+/).length >= 5 && s.trim().split(/\s+/).length <= 6, 'a cron pattern of 5 or 6 fields'),
  /**
   * Most examples one training step trains its student on (the window's samples chosen plus replay); a window holding
   * more is subsampled by TRAIN_SELECTION. Default 300,000: about 200 s of an hourly step on a 2-core machine (the
   * `trainer` bench in the README), an eighth of the hour with reading, gate and artifact.
   */
  TRAIN_BUDGET_EXAMPLES: positiveInt.default(300_000),
  /** How a window larger than the budget is subsampled: `active` (loss-proportional, importance-weighted), `random` or `all` (no budget). Default `active`. */
  TRAIN_SELECTION: z.enum(['active', 'random', 'all']).default('active'),
  /** Most stored events one chunk of a step holds in memory; a larger window (a first catch-up) is learnt chunk by chunk, with a checkpoint after each. Default 500,000. */
  TRAIN_CHUNK_EVENTS: positiveInt.min(100).default(500_000),
  /** Rows per PostgreSQL page when the trainer reads its window. Default 20,000. */
  TRAIN_PAGE_EVENTS: positiveInt.min(10).default(20_000),
  /** Users whose recent positives the trainer keeps (least recently active dropped beyond it). Default 1,000,000. */
  TRAIN_MAX_USERS: positiveInt.default(1_000_000),
  /** BullMQ lock of a running training job (ms); a job whose process died is retried once the lock expired. Default 30000. */
  TRAIN_LOCK_MS: positiveInt.min(500).default(30_000),
  /** How often BullMQ looks for stalled training jobs (ms). Default 30000. */
  TRAIN_STALLED_INTERVAL_MS: positiveInt.min(500).default(30_000),
  /** Attempts of a training job (a failure or a stall is retried, resuming from the last checkpoint). Default 3. */
  TRAIN_ATTEMPTS: positiveInt.max(100).default(3),
  /** Test hook: the trainer honours a job's `fault` field (shuffle-labels, nan-weights, crash-mid-step). Default `off`; for fault tests only. */
  TRAIN_TEST_HOOKS: z.enum(['off', 'on']).default('off'),
  /** A candidate is promoted unless its held-out NDCG@10 is below the active model's by more than this share. Default 0.02. */
  GATE_TOLERANCE: z.coerce.number().min(0).max(1).default(0.02),
  /** Held-out positives a gate needs; with fewer the step keeps the active model and says why. Default 200. */
  GATE_MIN_POSITIVES: positiveInt.default(200),
  /** Share of the window's newest positives held out for the gate (at least GATE_MIN_POSITIVES). Default 0.1. */
  GATE_HOLDOUT_SHARE: z.coerce.number().gt(0).lt(1).default(0.1),
  /** Most held-out positives the gate ranks (a uniform, seeded sample of the slice beyond it). Default 5000. */
  GATE_MAX_SAMPLES: positiveInt.default(5000),
  /** Model versions kept besides the active one and its parent; older ones are retired (files deleted). Default 10. */
  MODEL_KEEP: z.coerce.number().int().min(0).default(10),
  /** How often a process re-reads the active version from PostgreSQL besides the Redis broadcast (ms). Default 2000. */
  REGISTRY_POLL_MS: positiveInt.min(50).default(2000),
  /** API processes (a Node cluster) behind PORT; 1 runs the API in the process itself. Default: the number of cores. */
  API_WORKERS: positiveInt.max(256).default(availableParallelism()),
  /**
   * Key that signs the request ids of recommendation answers (so an impression or click carrying one is attributed to
   * the version that served it, and a client cannot forge another version's). Default: unset, and the processes share a
   * random key kept in PostgreSQL (`service_secrets`), created by the first process that needs it.
   */
  REQUEST_ID_SECRET: z.string().min(16, 'REQUEST_ID_SECRET must be at least 16 characters').optional(),
  /** Half-life (hours of event time) of the trending scores that answer users without positives. Default 3. */
  TRENDING_HALF_LIFE_HOURS: z.coerce.number().gt(0).max(24 * 30).default(3),
  /**
   * The demo shop simulator: `on` runs synthetic shoppers against the API (`npm start` sets it unless `SIMULATOR=off`)
   * and makes the trainer step every DEMO_HOUR_SECONDS instead of TRAIN_SCHEDULE. Default `off` (production).
   */
  SIMULATOR: z.enum(['off', 'on']).default('off'),
  /** With the simulator on: seconds between training steps, and the length of the shoppers' hour (their tastes drift per hour). Default 60. */
  DEMO_HOUR_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
  /** Shopper visits per second the simulator makes (each one a recommendation request and the events it leads to). Default 20. */
  SIM_VISITS_PER_SECOND: z.coerce.number().gt(0).max(1000).default(20),
  /** Shoppers in the simulated shop. Default 3000. */
  SIM_SHOPPERS: positiveInt.max(1_000_000).default(3000),
  /** Seed of the simulated shop (catalog, shoppers and their choices). Default 1. */
  SIM_SEED: z.coerce.number().int().min(0).default(1),
  /** TensorFlow.js backend: `auto` tries tensorflow-gpu, tensorflow, wasm, cpu. */
  ML_BACKEND: z.enum(['auto', ...ML_BACKENDS]).default('auto'),
  /** Length of `imageEmbedding` in product events; 0 disables image features. */
  IMAGE_EMBEDDING_DIM: z.coerce.number().int().min(0).max(4096).default(0),
  /** Abuse filter: events of one user in one minute above which they are flagged. Default 120. */
  ABUSE_MAX_EVENTS_PER_MINUTE: positiveInt.default(120),
  /** Most events in one `POST /v1/events` body. Default 1000. */
  EVENTS_MAX_BATCH: positiveInt.max(10000).default(1000),
  /** Largest accepted HTTP body in bytes. Default 5 MiB. */
  HTTP_BODY_LIMIT_BYTES: positiveInt.default(5 * 1024 * 1024),
  /**
   * Test hook of the ingest service: the process kills itself (SIGKILL) at this point of its first batch that reaches
   * it: `after-commit` (PostgreSQL committed, Redis not applied), `after-feature-chunk` (the first of several Redis
   * chunks applied). Default `none`; for fault tests only.
   */
  INGEST_TEST_CRASH_AT: z.enum(['none', 'after-commit', 'after-feature-chunk']).default('none'),
  /** Log level: `debug`, `info`, `warn`, `error`. Default `info`. */
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Node environment, informational. */
  NODE_ENV: z.string().default('production'),
});

/** The validated configuration every service receives. */
export type AppConfig = z.infer<typeof CONFIG_SCHEMA>;
/** Raw key/value input of the configuration (normally the environment). */
export type ConfigInput = Partial<Record<keyof z.input<typeof CONFIG_SCHEMA>, string | undefined>>;
