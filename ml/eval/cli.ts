/**
 * ml CLI.
 *   eval    --events FILE [--out FILE] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--threads N] [--step-hours H]
 *           [--k 10] [--image-dim N] [--budget 0.3] [--compare-seed 2] [--no-progress] [--learner JSON] [--sequential]
 *           [--ease | --baselines ease] [--ease-lambda 300] [--ease-refit 5000] [--ease-history 30] [--ease-space auto|items|users]
 *           (--threads: the backend's kernel threads, default 1 on wasm; the report names the backend and its threads;
 *           --ease adds the EASE baseline `easeRecent`, eval/ease.ts; the JSON goes to stdout, a table to stderr;
 *           the comparisons that are not the system's (active / random, static, easeRecent) run in a second thread,
 *           eval/parallel.ts, with the same figures: --sequential runs everything on one)
 *   convert --format movielens --in DIR --out FILE
 *   convert --format shop [--seed 42] [--users N] [--categories N] [--items-per-category N] [--basket]
 *           [--basket-size 3] [--orders-per-user 8] [--repeat-rate 0.2] [--clicks-before 0] --out FILE
 *           (the synthetic shop of sim/shop.ts; --basket: orders of items that go together, BASKET_SHOP_DEFAULTS)
 */
import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../core/backend';
import { parseJsonl } from '../core/events';
import { BASKET_SHOP_DEFAULTS, convertMovieLens, convertShop, type ConvertResult } from './convert';
import { runEvalParallel } from './parallel';
import { runEval, type EvalReport } from './protocol';
import type { EaseOptions } from './ease';
import type { ShopOptions } from '../sim/shop';
import type { LearnerOptions } from '../train/learner';

function args(argv: string[]): { cmd: string; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  const cmd = argv[0] ?? '';
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags.set(a.slice(2), argv[++i]);
    else flags.set(a.slice(2), 'true');
  }
  return { cmd, flags };
}

function num(flags: Map<string, string>, name: string, dflt: number): number {
  const v = flags.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
  return n;
}

/** --learner '{"student":{"dim":48},"replayRatio":2}': JSON overrides of the learner options (for experiments). */
function learnerOverrides(json: string | undefined): LearnerOptions | undefined {
  if (!json) return undefined;
  const v: unknown = JSON.parse(json);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('--learner must be a JSON object');
  return v as LearnerOptions;
}

/** The shop options of `convert --format shop` (the basket shop's defaults with --basket, else generateShop's). */
function shopOptions(flags: Map<string, string>): ShopOptions {
  const o: ShopOptions = flags.get('basket') === 'true' ? { ...BASKET_SHOP_DEFAULTS } : {};
  const set = (flag: string, key: 'seed' | 'users' | 'categories' | 'itemsPerCategory' | 'clicksPerUser' | 'basketSize' | 'ordersPerUser' | 'repeatRate' | 'clicksBeforeOrder') => {
    if (flags.has(flag)) o[key] = num(flags, flag, 0);
  };
  set('seed', 'seed');
  set('users', 'users');
  set('categories', 'categories');
  set('items-per-category', 'itemsPerCategory');
  set('clicks-per-user', 'clicksPerUser');
  set('basket-size', 'basketSize');
  set('orders-per-user', 'ordersPerUser');
  set('repeat-rate', 'repeatRate');
  set('clicks-before', 'clicksBeforeOrder');
  return o;
}

/** The EASE options of `eval --ease` (undefined: off). */
function easeOptions(flags: Map<string, string>): EaseOptions | undefined {
  const on = flags.get('ease') === 'true' || (flags.get('baselines') ?? '').split(',').includes('ease');
  if (!on) return undefined;
  const space = flags.get('ease-space') ?? 'auto';
  if (space !== 'auto' && space !== 'items' && space !== 'users') throw new Error('--ease-space must be auto, items or users');
  return { lambda: num(flags, 'ease-lambda', 300), refitEvery: num(flags, 'ease-refit', 5000), history: num(flags, 'ease-history', 30), space };
}

/** The figures of a report as a text table (results, then comparisons). */
export function formatTable(report: EvalReport): string {
  const rows: [string, { hr: number; ndcg: number }][] = [...Object.entries(report.results), ...Object.entries((report.comparisons ?? {}) as Record<string, { hr: number; ndcg: number }>)];
  const w = Math.max(...rows.map(([n]) => n.length), 6);
  const lines = [`${'scorer'.padEnd(w)}  HR@${report.k}    NDCG@${report.k}`];
  for (const [name, m] of rows) lines.push(`${name.padEnd(w)}  ${m.hr.toFixed(4)}  ${m.ndcg.toFixed(4)}`);
  lines.push(`${report.evaluated ?? '?'} positives scored, ${report.events} events, ${report.wallSeconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const { cmd, flags } = args(argv);
  if (cmd === 'convert') {
    const format = flags.get('format') ?? 'movielens';
    const input = flags.get('in');
    const out = flags.get('out');
    if (!((format === 'movielens' && input) || format === 'shop') || !out) {
      process.stderr.write('usage: convert --format movielens --in DIR --out FILE | convert --format shop [--seed N] [--users N] [--basket] --out FILE\n');
      return 2;
    }
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    const fd = fs.openSync(out, 'w');
    let buf: string[] = [];
    const flush = () => {
      if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    };
    const write = (line: string) => {
      buf.push(line);
      if (buf.length >= 5000) flush();
    };
    const r: ConvertResult = format === 'shop' ? convertShop(shopOptions(flags), write) : convertMovieLens(input as string, write);
    flush();
    fs.closeSync(fd);
    process.stdout.write(JSON.stringify({ out, ...r }) + '\n');
    return 0;
  }
  if (cmd === 'eval') {
    const file = flags.get('events');
    if (!file) {
      process.stderr.write('usage: eval --events FILE [--out FILE] [--backend NAME] [--step-hours H]\n');
      return 2;
    }
    const requested = (flags.get('backend') ?? 'auto') as BackendName;
    if (!BACKEND_NAMES.includes(requested)) throw new Error(`--backend must be one of ${BACKEND_NAMES.join(', ')}`);
    const threads = flags.has('threads') ? num(flags, 'threads', 1) : undefined;
    const backend = await selectBackend(requested, undefined, { threads });
    const { events, skipped } = parseJsonl(fs.readFileSync(file, 'utf8'));
    if (skipped) process.stderr.write(`[eval] skipped ${skipped} unparseable lines\n`);
    const sequential = flags.get('sequential') === 'true';
    const report = await (sequential ? runEval : runEvalParallel)(events, {
      stepHours: num(flags, 'step-hours', 1),
      k: num(flags, 'k', 10),
      imageDim: num(flags, 'image-dim', 0),
      compareBudget: num(flags, 'budget', 0.3),
      compareSeed: flags.has('compare-seed') ? num(flags, 'compare-seed', 0) : undefined,
      progress: flags.get('no-progress') !== 'true',
      backend: backend.name,
      learner: learnerOverrides(flags.get('learner')),
      ease: easeOptions(flags),
    });
    const json = JSON.stringify({ ...report, evalThreads: sequential ? 1 : 2, skippedLines: skipped });
    if (flags.get('out')) {
      const out = flags.get('out') as string;
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, json + '\n');
    }
    process.stderr.write(formatTable(report));
    process.stdout.write(json + '\n');
    return 0;
  }
  process.stderr.write('usage: cli.ts eval|convert ...\n');
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
