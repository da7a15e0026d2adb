/**
 * The worker thread of a training run: everything CPU-heavy (reading the window, the step, building and measuring the
 * artifacts) runs here, so the trainer's event loop keeps renewing the job lock, answering /health and handling
 * signals. Messages to the parent: `{type: 'progress', fraction, note}`, then `{type: 'done', outcome}` or
 * `{type: 'error', message, stack}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StoredEventsReader } from './stored-events.reader';
import { runTraining, type TrainingSpec } from './training-run';

export interface WorkerInput {
  spec: TrainingSpec;
  databaseUrl: string;
  schema: string;
}

async function main(): Promise<void> {
  const input = workerData as WorkerInput;
  const port = parentPort;
  if (!port) throw new Error('training.worker runs as a worker thread');
  const reader = await StoredEventsReader.open(input.databaseUrl, input.schema);
  try {
    const outcome = await runTraining(input.spec, reader, (fraction, note) => port.postMessage({ type: 'progress', fraction, note }));
    port.postMessage({ type: 'done', outcome });
  } finally {
    await reader.close();
  }
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
});
