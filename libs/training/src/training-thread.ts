import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerReply } from '@recsys/ml';
import type { TrainingRunOutcome, TrainingSpec, ProgressFn } from './training-run';

/** A run in a worker thread that can be stopped (shutdown). */
export interface RunningThread {
  result: Promise<TrainingRunOutcome>;
  terminate: () => Promise<void>;
}

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
  const result = workerReply<{ outcome: TrainingRunOutcome }, { type: 'progress'; fraction: number; note?: string }>(worker, 'the training thread', (m) =>
    onProgress(m.fraction, m.note),
  ).then((m) => m.outcome);
  return {
    result,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
