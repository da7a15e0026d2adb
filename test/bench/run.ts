/**
 * `npm run bench [-- NAME...]`: runs the benchmarks `test/bench/<name>.bench.ts` (all, or those
 * named), one after the other, each in a child process of its own so that one bench's leftovers
 * (open connections, timers, heap, a crash) cannot disturb or hang the next. Each module exports
 * `run(): Promise<Record<string, unknown>>`. Prints one JSON line per bench to stdout
 * (`{"bench": name, ...figures}` or `{"bench": name, "error": message}`), appends the same with a
 * timestamp and the machine's description to `var/bench/results.jsonl`, and exits 1 when a bench
 * failed (2 when a named bench does not exist). A bench's own console output goes to stderr.
 */
import { fork } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a bench module exports. */
export interface BenchModule {
  run(): Promise<Record<string, unknown>>;
}

/** One bench's outcome. */
export interface BenchResult {
  /** Whether `run()` resolved with figures. */
  ok: boolean;
  /** The line printed: `{bench, ...figures}`, or `{bench, error}` when it failed. */
  record: { bench: string } & Record<string, unknown>;
}

/** The machine the figures were measured on, stored with every result. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
  arch: string;
}

export interface RunBenchesOptions {
  /** Benches to run, by name (`ingest` for `ingest.bench.ts`). Default: all, in name order. */
  names?: string[];
  /** Where the `*.bench.ts` files are. Default this file's directory (`test/bench`). */
  dir?: string;
  /** The JSONL file results are appended to. Default `var/bench/results.jsonl` in the repository. */
  resultsFile?: string;
  /** Receives each result line as it is ready. Default: written to stdout. */
  onResult?: (line: string) => void;
}

const BENCH_SUFFIX = '.bench.ts';
const ROOT = path.resolve(__dirname, '../..');
/** Marks the child-process mode: `run.ts --child <file>`. */
const CHILD_FLAG = '--child';

/** The bench names found in `dir`, sorted. */
export function discoverBenches(dir: string = __dirname): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(BENCH_SUFFIX))
    .map((f) => f.slice(0, -BENCH_SUFFIX.length))
    .sort();
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
  };
}

/**
 * Runs the benches one by one and records their results. Resolves with every result; a failed
 * bench is recorded as `{bench, error}` and the others still run. Throws, before running any, when a
 * named bench does not exist.
 */
export async function runBenches(options: RunBenchesOptions = {}): Promise<BenchResult[]> {
  const dir = options.dir ?? __dirname;
  const available = discoverBenches(dir);
  const names = options.names?.length ? options.names : available;
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length) {
    throw new UnknownBenchError(`no such bench: ${unknown.join(', ')} (available: ${available.join(', ') || 'none'})`);
  }
  const resultsFile = options.resultsFile ?? path.join(ROOT, 'var/bench/results.jsonl');
  const onResult = options.onResult ?? ((line: string) => process.stdout.write(`${line}\n`));
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  const machine = machineInfo();
  const results: BenchResult[] = [];
  for (const name of names) {
    const result = await runInChild(name, path.join(dir, `${name}${BENCH_SUFFIX}`));
    results.push(result);
    onResult(JSON.stringify(result.record));
    appendFileSync(resultsFile, `${JSON.stringify({ ...result.record, timestamp: new Date().toISOString(), machine })}\n`);
  }
  return results;
}

/** A named bench that does not exist. */
export class UnknownBenchError extends Error {
  override name = 'UnknownBenchError';
}

type ChildMessage = { figures: Record<string, unknown> } | { error: string };

function runInChild(name: string, file: string): Promise<BenchResult> {
  return new Promise((resolve) => {
    // The child's stdout is our stderr: our stdout carries nothing but result lines.
    const child = fork(__filename, [CHILD_FLAG, file], { execArgv: process.execArgv, stdio: ['ignore', 2, 2, 'ipc'] });
    let message: ChildMessage | undefined;
    child.on('message', (m: ChildMessage) => (message = m));
    child.on('error', (err) => {
      message ??= { error: err.message };
    });
    child.on('exit', (code, signal) => {
      if (message && 'figures' in message) {
        // `bench` first, and a figure of that name cannot override it.
        const { bench: _ignored, ...figures } = message.figures;
        resolve({ ok: true, record: { bench: name, ...figures } });
      } else {
        const error = message?.error ?? `the bench process exited (${signal ?? `code ${code}`}) without a result`;
        resolve({ ok: false, record: { bench: name, error } });
      }
    });
  });
}

async function runChild(file: string): Promise<void> {
  let reply: ChildMessage;
  try {
    // require, not import(): the bench is TypeScript, compiled on load by @swc-node/register.
    const mod = require(file) as Partial<BenchModule>;
    if (typeof mod.run !== 'function') throw new Error(`${path.basename(file)} does not export run()`);
    const figures = await mod.run();
    if (typeof figures !== 'object' || figures === null || Array.isArray(figures)) {
      throw new Error('run() must resolve to an object of figures');
    }
    reply = { figures };
  } catch (err) {
    reply = { error: err instanceof Error ? err.message : String(err) };
  }
  // Exit right after the result is sent: whatever the bench left open must not keep it alive.
  process.send?.(reply, () => process.exit(0));
}

async function main(argv: string[]): Promise<number> {
  try {
    const results = await runBenches({ names: argv });
    if (results.length === 0) process.stderr.write(`no *${BENCH_SUFFIX} files in ${__dirname}\n`);
    return results.some((r) => !r.ok) ? 1 : 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return err instanceof UnknownBenchError ? 2 : 1;
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === CHILD_FLAG) void runChild(argv[1]);
  else void main(argv).then((code) => process.exit(code));
}
