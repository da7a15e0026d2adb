/**
 * The evaluation protocol on two threads: the `side` part of a run (active and random selection, static, easeRecent)
 * in a worker thread beside the `main` part (the system and the popular, cooccur and knn baselines) on this one,
 * merged into the report one thread computes. The parts share no state (each replays every event with its own
 * features and learners), so the figures are the same; on two free cores the wall time is about the longer part's.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { currentBackend, type BackendName } from '../core/backend';
import type { MlEvent } from '../core/events';
import { workerReply, type WorkerMessage } from '../core/worker-reply';
import { mergeEvalReports, runEval, type EvalOptions, type EvalReport } from './protocol';

/** What the worker thread gets: the events, the run's options without its callbacks, and the backend to select. */
export interface SideWorkerInput {
  events: readonly MlEvent[];
  options: Omit<EvalOptions, 'log' | 'onSystemQuery' | 'part'>;
  backend: BackendName;
  threads?: number;
}

export type SideWorkerMessage = WorkerMessage<{ report: EvalReport }, { type: 'log'; message: string }>;

/** `runEval(events, o)` with its side part in a worker thread; the same report (wallSeconds aside). */
export async function runEvalParallel(events: readonly MlEvent[], o: EvalOptions = {}): Promise<EvalReport> {
  const t0 = Date.now();
  const log = o.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const { log: _log, onSystemQuery: _q, part: _p, ...options } = o;
  const choice = currentBackend();
  const fromSource = __filename.endsWith('.ts');
  const input: SideWorkerInput = {
    events,
    options: { ...options, progress: false, backend: o.backend ?? choice?.name ?? tf.getBackend() },
    backend: (choice?.name ?? tf.getBackend()) as BackendName,
    ...(choice?.threads ? { threads: choice.threads } : {}),
  };
  const worker = new Worker(path.join(__dirname, fromSource ? 'eval-side.worker.ts' : 'eval-side.worker.js'), {
    workerData: input,
    // source runs (the eval command, tests) compile TypeScript in the thread too
    execArgv: fromSource ? ['-r', '@swc-node/register'] : [],
  });
  const side = workerReply<{ report: EvalReport }, { type: 'log'; message: string }>(worker, 'the eval side thread', (m) => log(m.message)).then((m) => m.report);
  // the main part holds this thread until it ends; a failure of the side is read after it
  side.catch(() => undefined);
  try {
    const main = await runEval(events, { ...o, part: 'main' });
    return mergeEvalReports(main, await side, (Date.now() - t0) / 1000);
  } finally {
    await worker.terminate();
  }
}
