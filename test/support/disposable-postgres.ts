import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { eventually } from './test-env';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 server binaries. */
const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Clusters not destroyed yet; pg_ctl daemonizes them, so they would outlive the test process. */
const undestroyed = new Set<DisposablePostgres>();
process.once('exit', () => {
  for (const pg of undestroyed) pg.destroySync();
});

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it). Another process
 * could take it before the caller binds it; tests accept that small race.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/** Whether this process runs as root (PostgreSQL refuses to, so its tools then run as `postgres`). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * A throwaway PostgreSQL 15 cluster of its own: a temp directory, a free port on 127.0.0.1, trust
 * authentication for the `postgres` user. Tests stop and restart it to make the database
 * unreachable for a while; the machine's shared server on 5432 is never touched.
 *
 * @example
 *   const pg = await DisposablePostgres.start();
 *   try { ...pg.url...; await pg.stop(); ...; await pg.restart(); } finally { await pg.destroy(); }
 */
export class DisposablePostgres {
  private running = false;

  private constructor(
    /** The temp directory holding the data directory, the socket directory and the server log. */
    readonly dir: string,
    /** The TCP port, the same across restarts. */
    readonly port: number,
  ) {}

  /** Creates the cluster (`initdb -A trust -U postgres`) on a free port and starts it. */
  static async start(): Promise<DisposablePostgres> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'recsys-pg-'));
    const pg = new DisposablePostgres(dir, await freePort());
    undestroyed.add(pg);
    try {
      await mkdir(pg.socketDir);
      if (isRoot()) {
        const { uid, gid } = await postgresUser();
        for (const p of [dir, pg.socketDir]) await chown(p, uid, gid);
      }
      // fsync off: the cluster is thrown away, and a fast shutdown still checkpoints everything.
      await pgTool('initdb', ['-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '-D', pg.dataDir]);
      await pg.restart();
      return pg;
    } catch (err) {
      await pg.destroy().catch(() => undefined);
      throw err;
    }
  }

  /** Connection URL of the `postgres` database, e.g. `postgres://postgres@127.0.0.1:54123/postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The server log (useful when a test fails). */
  get logFile(): string {
    return path.join(this.dir, 'server.log');
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  private get socketDir(): string {
    return path.join(this.dir, 'sock');
  }

  /**
   * Starts the (stopped) cluster again on the same port with the same data, and resolves once it
   * accepts connections. Waits at most 60 s.
   */
  async restart(): Promise<void> {
    if (this.running) return;
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.socketDir} -c fsync=off`;
    await pgTool('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '60', 'start']);
    this.running = true;
    // pg_ctl -w checks the socket; a client over TCP is what the tests use.
    const accepting = await eventually(() => this.accepts(), 30_000, 100);
    if (!accepting) throw new Error(`PostgreSQL on port ${this.port} does not accept connections; see ${this.logFile}`);
  }

  /** Fast shutdown (open sessions are cut off); the cluster stays on disk so `restart()` can bring it back. */
  async stop(): Promise<void> {
    if (!this.running) return;
    await pgTool('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  /** Stops the server if it runs and removes the cluster's directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop();
    } catch {
      // A start that failed half-way can leave a postmaster behind that `running` does not know of.
    } finally {
      if (existsSync(path.join(this.dataDir, 'postmaster.pid'))) {
        await pgTool('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      }
      await rm(this.dir, { recursive: true, force: true });
      undestroyed.delete(this);
    }
  }

  /** `destroy()` for the process's exit, when nothing asynchronous runs any more. */
  destroySync(): void {
    if (existsSync(path.join(this.dataDir, 'postmaster.pid'))) {
      const stop = pgCommand('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
      try {
        execFileSync(stop.file, stop.args, { cwd: os.tmpdir(), stdio: 'ignore', timeout: 30_000 });
      } catch {
        // Exiting anyway; the directory goes below.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    undestroyed.delete(this);
  }

  private async accepts(): Promise<boolean> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The command line of a PostgreSQL tool: through `runuser -u postgres` when we are root. */
function pgCommand(tool: string, args: string[]): { file: string; args: string[] } {
  const binary = path.join(PG_BIN, tool);
  return isRoot() ? { file: 'runuser', args: ['-u', 'postgres', '--', binary, ...args] } : { file: binary, args };
}

/** Runs a PostgreSQL tool, as the `postgres` OS user when we are root; the error carries its output. */
async function pgTool(tool: string, args: string[]): Promise<void> {
  const command = pgCommand(tool, args);
  try {
    // cwd: `postgres` may not be allowed into the caller's directory.
    await run(command.file, command.args, { cwd: os.tmpdir(), timeout: 120_000 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
