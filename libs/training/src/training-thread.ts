import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainingRunOutcome, TrainingSpec, ProgressFn } from './training-run';

/** A run in a worker thread that can be stopped (shutdown). */
export interface RunningThread {
  result: Promise<TrainingRunOutcome>;
  terminate: () => Promise<void>;
}

type WorkerMessage =
  | { type: 'progress'; fraction: number; note?: string }
  | { type: 'done'; outcome: TrainingRunOutcome }
  | { type: 'error'; message: string; stack?: string };

/** Runs `runTraining` in a worker thread (from source under ts, from dist when built). */
export function startTrainingThread(spec: TrainingSpec, db: { databaseUrl: string; schema: string }, onProgress: ProgressFn): RunningThread {
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, fromSource ? 'training.worker.ts' : 'training.worker.js');
  const worker = new Worker(file, {
    workerData: { spec, databaseUrl: db.databaseUrl, schema: db.schema },
    // source runs (tests, the bench) compile TypeScript in the thread too
    execArgv: fromSource ? ['-r', '@swc-node/register'] : [],
    stdout: false,
    stderr: false,
  });
  let settled = false;
  const result = new Promise<TrainingRunOutcome>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.fraction, m.note);
      else if (m.type === 'done') {
        settled = true;
        resolve(m.outcome);
      } else {
        settled = true;
        const e = new Error(m.message);
        if (m.stack) e.stack = m.stack;
        reject(e);
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the training thread exited with code ${code} before it finished`));
    });
  });
  return {
    result,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
