/**
 * The API as the benches run it: started from source by `startService` (whatever the tree holds), its process tree's
 * memory and CPU read from /proc, and waits on what it serves.
 */
import fs from 'node:fs';
import net from 'node:net';
import Redis from 'ioredis';
import type { AppConfig } from '@recsys/config';
import { startService, type RunningService } from '../../support/services';
import { eventually } from '../../support/test-env';

const MB = 1024 * 1024;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `pid` and every process below it (a cluster's workers), from /proc. */
export function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: the fields after it follow the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, p] of parent) if (p === tree[i]) tree.push(child);
  return tree;
}

/** VmRSS and VmHWM (peak) summed over the process tree, in MB; and how many processes it has. */
export function treeMemory(pid: number): { rssMB: number; peakRssMB: number; processes: number } {
  let rss = 0;
  let hwm = 0;
  const tree = processTree(pid);
  for (const p of tree) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      rss += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      hwm += Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // ended meanwhile
    }
  }
  return { rssMB: round(rss / MB), peakRssMB: round(hwm / MB), processes: tree.length };
}

/** CPU seconds (user + system) the process tree has used so far. */
export function treeCpuSeconds(pid: number): number {
  const tick = 100; // USER_HZ on Linux
  let s = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name
      s += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // ended meanwhile
    }
  }
  return s;
}

/**
 * Starts the API (its config names PORT and API_WORKERS) and waits until it answers recommendations. With
 * BENCH_API_PROFILE=<dir> in the environment the API writes V8 CPU profiles there when it exits.
 */
export async function startApi(config: AppConfig): Promise<RunningService> {
  const api = await startService('api', config, config.PORT, process.env.BENCH_API_PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_PROFILE}`] } : {});
  const ok = await eventually(async () => (await fetch(`${api.url}/v1/recommendations?userId=warm-up&k=1`)).ok, 60_000, 200);
  if (!ok) {
    await api.stop();
    throw new Error(`the API answers no recommendations:\n${tail(api.output())}`);
  }
  return api;
}

/** The `modelVersion` of one answer for `userId`. */
export async function servedVersion(url: string, userId = 'u-0'): Promise<string | null> {
  try {
    const res = await fetch(`${url}/v1/recommendations?userId=${encodeURIComponent(userId)}&k=1`);
    return res.ok ? ((await res.json()) as { modelVersion: string }).modelVersion : null;
  } catch {
    return null;
  }
}

/** Whether an answer's `modelVersion` names `version` (also as the model's cold-start answer, `cold-start:<version>`). */
export function isFrom(answered: string | null, version: string): boolean {
  return answered === version || (answered?.endsWith(`:${version}`) ?? false);
}

/**
 * Waits until `consecutive` answers in a row come from `version` (with a cluster, requests spread over the workers, so
 * several in a row mean every worker serves it); resolves with the ms it took, or throws after `timeoutMs`.
 */
export async function waitForVersion(api: RunningService, version: string, o: { consecutive?: number; timeoutMs?: number } = {}): Promise<number> {
  const t0 = Date.now();
  const need = o.consecutive ?? 1;
  let run = 0;
  const ok = await eventually(async () => {
    if (api.proc.exitCode !== null) throw new Error(`the API exited (code ${api.proc.exitCode}):\n${tail(api.output())}`);
    run = isFrom(await servedVersion(api.url), version) ? run + 1 : 0;
    return run >= need;
  }, o.timeoutMs ?? 120_000, 5);
  if (!ok) throw new Error(`the API does not serve ${version} after ${(o.timeoutMs ?? 120_000) / 1000} s:\n${tail(api.output())}`);
  return Date.now() - t0;
}

/** What the API logged on loading versions (`serving vN (... loaded in N ms ...)`), by version. */
export function loggedLoadMs(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of output.matchAll(/serving (v\d+) \(.*?loaded in (\d+) ms/g)) out[m[1]] = Number(m[2]);
  return out;
}

const VERSION_FIELD = /"modelVersion":"([^"]*)"/;

/** The `modelVersion` of an answer's body ('none' when it has none). */
export function answerVersion(body: Buffer): string {
  return VERSION_FIELD.exec(body.toString())?.[1] ?? 'none';
}

/** Deletes every Redis key under the prefix. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * The machine's CPU time so far (/proc/stat): `busy` (all but idle and iowait) and `total`, in ticks. Two readings give
 * the share of all cores that was busy in between: on a shared machine, how much else ran beside the bench.
 */
export function hostCpu(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}

/** The share of all cores busy since `from` (a {@link hostCpu} reading). */
export function hostBusyShare(from: { busy: number; total: number }): number {
  const now = hostCpu();
  return round((now.busy - from.busy) / Math.max(1, now.total - from.total));
}

/** CPU seconds (user + system) the Redis server has used so far (INFO cpu): its single thread is shared by every process. */
export async function redisCpuSeconds(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? Number.NaN);
    return field('used_cpu_sys') + field('used_cpu_user');
  } finally {
    redis.disconnect();
  }
}

/** Waits (at most `timeoutMs`) until Redis spends less than `share` of a core over a second: its backlog is done. */
export async function waitForRedisIdle(url: string, share = 0.3, timeoutMs = 30_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const c0 = await redisCpuSeconds(url);
    await new Promise((r) => setTimeout(r, 1000));
    if ((await redisCpuSeconds(url)) - c0 < share) return true;
  }
  return false;
}

/** A deterministic pseudo-random stream (xorshift32) for picking users and items. */
export function picker(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

export function tail(s: string, n = 3000): string {
  return s.length > n ? s.slice(-n) : s;
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * The service's own warnings and errors, each kind once (Nest's logger: ` WARN ` / ` ERROR `; and the `Error: ...` line
 * that follows a failed request): numbers are masked, so the same problem on every request shows once. The first `n`.
 */
export function serviceProblems(output: string, n = 8): string[] {
  const seen = new Set<string>();
  for (const line of output.split('\n')) {
    const clean = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
    const m = /\b(WARN|ERROR|FATAL)\b\s*(.*)$/.exec(clean) ?? /^(\w*Error):\s*(.*)$/.exec(clean);
    if (!m) continue;
    seen.add(`${m[1]} ${m[2]}`.replace(/\d+/g, 'N').slice(0, 300));
    if (seen.size >= n) break;
  }
  return [...seen];
}
