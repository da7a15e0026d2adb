import { ConsoleLogger } from '@nestjs/common';
import cluster, { type Worker } from 'node:cluster';
import { AppConfig, loadConfig } from '@recsys/config';
import { ClusterMetricsAggregator } from './cluster-metrics';
import { LOG_LEVELS, RootModuleFactory, serve } from './service-bootstrap';

/** How a cluster's primary supervises its workers. */
export interface ClusterOptions {
  /** Worker deaths tolerated within {@link restartWindowMs}; one more means a crash loop and the primary exits 1. Default 5. */
  restartLimit?: number;
  /** The window of {@link restartLimit}, ms. Default 60,000. */
  restartWindowMs?: number;
  /** Delay before the first restart in a window, doubled for each further one, ms. Default 250. */
  restartDelayMs?: number;
  /** Longest delay before a restart, ms. Default 5,000. */
  maxRestartDelayMs?: number;
  /** How long workers get to exit after a signal before they are killed (SIGKILL), ms. Default 60,000. */
  shutdownGraceMs?: number;
}

const DEFAULTS: Required<ClusterOptions> = {
  restartLimit: 5,
  restartWindowMs: 60_000,
  restartDelayMs: 250,
  maxRestartDelayMs: 5_000,
  shutdownGraceMs: 60_000,
};

/** One worker as the supervisor sees it. */
export interface SupervisedWorker {
  readonly id: number;
  readonly pid: number | undefined;
  /** Sends `signal` to the worker's process. */
  signal(signal: NodeJS.Signals): void;
  /** Calls `listener` once, when the worker's process has exited. */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

/** What the supervisor does to the world: fork, exit, read the clock, wait (node:cluster and timers in production). */
export interface ClusterHost {
  fork(): SupervisedWorker;
  exit(code: number): void;
  now(): number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

/** Where the supervisor logs. */
export interface SupervisorLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * The primary of a cluster: keeps `workers` workers running, starts another (after a growing delay) for one that
 * dies unexpectedly, gives up with exit 1 on a crash loop, and on a signal forwards it to every worker, waits for
 * them all and exits 0 (1 if one failed to stop cleanly or the grace ran out). A second signal kills the workers
 * and exits 1 at once.
 */
export class ClusterSupervisor {
  private readonly options: Required<ClusterOptions>;
  private readonly live = new Map<number, SupervisedWorker>();
  private readonly pendingRestarts = new Set<{ cancel(): void }>();
  private restarts: number[] = [];
  private stopping: { signal: NodeJS.Signals; exitCode: number; grace?: { cancel(): void } } | null = null;

  constructor(
    private readonly host: ClusterHost,
    private readonly workers: number,
    private readonly logger: SupervisorLog,
    options: ClusterOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The pids of the workers running now. */
  pids(): number[] {
    return [...this.live.values()].flatMap((w) => (w.pid === undefined ? [] : [w.pid]));
  }

  /** Forks the workers. */
  start(): void {
    for (let i = 0; i < this.workers; i++) this.spawn();
  }

  /** SIGTERM or SIGINT reached the primary. */
  signal(signal: NodeJS.Signals): void {
    if (this.stopping) {
      this.logger.warn(`${signal} again: killing the workers`);
      for (const w of this.live.values()) w.signal('SIGKILL');
      this.host.exit(1);
      return;
    }
    this.logger.log(`${signal}: stopping ${this.live.size} worker(s)`);
    this.stop(signal, 0);
  }

  private spawn(): void {
    const worker = this.host.fork();
    this.live.set(worker.id, worker);
    worker.onExit((code, signal) => this.exited(worker, code, signal));
  }

  private exited(worker: SupervisedWorker, code: number | null, signal: NodeJS.Signals | null): void {
    this.live.delete(worker.id);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.stopping) {
      // a worker still booting dies of the forwarded signal itself: that is a clean stop too
      if (code !== 0 && signal !== this.stopping.signal) {
        this.logger.error(`worker ${worker.pid} did not stop cleanly (${how})`);
        this.stopping.exitCode = 1;
      }
      if (this.live.size === 0) this.finish();
      return;
    }
    const now = this.host.now();
    this.restarts = this.restarts.filter((t) => now - t < this.options.restartWindowMs);
    if (this.restarts.length >= this.options.restartLimit) {
      this.logger.error(
        `worker ${worker.pid} exited (${how}): ${this.restarts.length + 1} worker deaths within ${this.options.restartWindowMs / 1000} s, a crash loop; stopping the cluster`,
      );
      this.stop('SIGTERM', 1);
      return;
    }
    this.restarts.push(now);
    const delay = Math.min(this.options.restartDelayMs * 2 ** (this.restarts.length - 1), this.options.maxRestartDelayMs);
    this.logger.warn(`worker ${worker.pid} exited (${how}); starting another in ${delay} ms`);
    const timer = this.host.setTimer(() => {
      this.pendingRestarts.delete(timer);
      if (!this.stopping) this.spawn();
    }, delay);
    this.pendingRestarts.add(timer);
  }

  private stop(signal: NodeJS.Signals, exitCode: number): void {
    this.stopping = { signal, exitCode };
    for (const timer of this.pendingRestarts) timer.cancel();
    this.pendingRestarts.clear();
    if (this.live.size === 0) {
      this.finish();
      return;
    }
    for (const w of this.live.values()) w.signal(signal);
    const stopping = this.stopping;
    stopping.grace = this.host.setTimer(() => {
      this.logger.error(`worker(s) ${this.pids().join(', ')} still running ${this.options.shutdownGraceMs / 1000} s after ${signal}: killing them`);
      stopping.exitCode = 1;
      for (const w of this.live.values()) w.signal('SIGKILL');
    }, this.options.shutdownGraceMs);
  }

  private finish(): void {
    const stopping = this.stopping as NonNullable<ClusterSupervisor['stopping']>;
    stopping.grace?.cancel();
    if (stopping.exitCode === 0) this.logger.log('every worker stopped');
    this.host.exit(stopping.exitCode);
  }
}

/**
 * The `main.ts` of a service that scales over cores: with `workers(config)` 1 it is {@link runService}; with N > 1
 * this process becomes the primary of a Node cluster: it validates the configuration (exit 1 naming the bad keys),
 * forks N workers that share the service's port (connections dealt round-robin) and supervises them (see
 * {@link ClusterSupervisor}); it never loads the root module. Each worker runs the service; its `/metrics` answers
 * the whole cluster's metrics, aggregated by the primary.
 */
export function runClusteredService(
  name: string,
  rootModule: RootModuleFactory,
  port: (config: AppConfig) => number,
  workers: (config: AppConfig) => number,
  options: ClusterOptions = {},
): void {
  if (cluster.isWorker) {
    serve(name, rootModule, port, { inCluster: true });
    return;
  }
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(`[${name}] failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const count = workers(config);
  if (count <= 1) {
    serve(name, rootModule, port, { config });
    return;
  }
  const logger = new ConsoleLogger(`${name}-primary`, { logLevels: LOG_LEVELS[config.LOG_LEVEL] });
  const metrics = new ClusterMetricsAggregator((message) => logger.warn(message));
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.on('message', (worker: Worker, message: unknown) => metrics.onMessage(worker, message));
  cluster.on('exit', (worker: Worker) => metrics.onExit(worker));
  const supervisor = new ClusterSupervisor(
    {
      fork: () => {
        const worker = cluster.fork();
        return {
          id: worker.id,
          pid: worker.process.pid,
          signal: (signal) => {
            if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill(signal);
          },
          onExit: (listener) => worker.once('exit', listener),
        };
      },
      exit: (code) => process.exit(code),
      now: () => Date.now(),
      setTimer: (fn, ms) => {
        const timer = setTimeout(fn, ms);
        return { cancel: () => clearTimeout(timer) };
      },
    },
    count,
    logger,
    options,
  );
  process.on('SIGTERM', () => supervisor.signal('SIGTERM'));
  process.on('SIGINT', () => supervisor.signal('SIGINT'));
  supervisor.start();
  logger.log(`primary ${process.pid}: ${count} workers on ${config.HOST}:${port(config)} (pids ${supervisor.pids().join(', ')})`);
}
