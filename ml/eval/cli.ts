/**
 * ml CLI.
 *   eval    --events FILE [--out FILE] [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--threads N] [--step-hours H]
 *           [--k 10] [--image-dim N] [--budget 0.3] [--no-progress] [--learner JSON]
 *           (--threads: the backend's kernel threads, default 1 on wasm; the report names the backend and its threads)
 *   convert --format movielens --in DIR --out FILE
 */
import * as fs from 'fs';
import * as path from 'path';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../core/backend';
import { parseJsonl } from '../core/events';
import { convertMovieLens } from './convert';
import { runEval } from './protocol';
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

export async function main(argv: string[]): Promise<number> {
  const { cmd, flags } = args(argv);
  if (cmd === 'convert') {
    const format = flags.get('format') ?? 'movielens';
    const input = flags.get('in');
    const out = flags.get('out');
    if (format !== 'movielens' || !input || !out) {
      process.stderr.write('usage: convert --format movielens --in DIR --out FILE\n');
      return 2;
    }
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    const fd = fs.openSync(out, 'w');
    let buf: string[] = [];
    const flush = () => {
      if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    };
    const r = convertMovieLens(input, (line) => {
      buf.push(line);
      if (buf.length >= 5000) flush();
    });
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
    const report = await runEval(events, {
      stepHours: num(flags, 'step-hours', 1),
      k: num(flags, 'k', 10),
      imageDim: num(flags, 'image-dim', 0),
      compareBudget: num(flags, 'budget', 0.3),
      progress: flags.get('no-progress') !== 'true',
      backend: backend.name,
      learner: learnerOverrides(flags.get('learner')),
    });
    const json = JSON.stringify({ ...report, skippedLines: skipped });
    if (flags.get('out')) {
      const out = flags.get('out') as string;
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, json + '\n');
    }
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
