import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from './disposable-postgres';
import { eventually } from './test-env';

/** Servers not destroyed yet: killed when the test process exits. */
const undestroyed = new Set<DisposableRedis>();
process.once('exit', () => {
  for (const r of undestroyed) r.proc?.kill('SIGKILL');
});

/**
 * A throwaway Redis server of its own (Debian's redis-server) on a free port of 127.0.0.1, in memory only (no RDB, no
 * AOF): `stop()` and `start()` again bring it back empty, as a Redis that lost its data. The machine's shared server
 * on 6379 is never touched.
 */
export class DisposableRedis {
  proc: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<DisposableRedis> {
    const r = new DisposableRedis(await freePort());
    undestroyed.add(r);
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts the server (empty) and resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.proc) return;
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const up = await eventually(async () => {
      const c = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        c.disconnect();
      }
    }, 30_000, 100);
    if (!up) throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** Stops the server; its data is gone. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    undestroyed.delete(this);
  }
}
