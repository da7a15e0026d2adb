/**
 * The worker thread of `runEvalParallel`: selects the parent's backend and runs the side part of the eval (see
 * EvalPart). Messages to the parent: `{type: 'log', message}`, then `{type: 'done', report}` or `{type: 'error', ...}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../core/backend';
import type { SideWorkerInput, SideWorkerMessage } from './parallel';
import { runEval } from './protocol';

async function main(): Promise<void> {
  const input = workerData as SideWorkerInput;
  const port = parentPort;
  if (!port) throw new Error('eval-side.worker runs as a worker thread');
  const post = (m: SideWorkerMessage) => port.postMessage(m);
  await selectBackend(input.backend, () => undefined, input.threads ? { threads: input.threads } : {});
  const report = await runEval(input.events, { ...input.options, part: 'side', log: (message) => post({ type: 'log', message }) });
  post({ type: 'done', report });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
});
