/**
 * The reply of a worker thread that runs one job and posts `{type: 'done', ...}` or `{type: 'error', message, stack}`:
 * other messages (progress, logs) go to the caller as they arrive.
 */
import type { Worker } from 'node:worker_threads';

/** A message of such a worker: its own kinds, the done message, or an error. */
export type WorkerMessage<Done, Other> = ({ type: 'done' } & Done) | { type: 'error'; message: string; stack?: string } | Other;

/**
 * Settles with the worker's done message; fails with its error message (the worker's stack kept), an `error` event, or
 * an exit before either. `onOther` gets every other message; `what` names the worker in the exit error.
 */
export function workerReply<Done extends object, Other extends { type: string }>(worker: Worker, what: string, onOther: (m: Other) => void): Promise<Done> {
  return new Promise<Done>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage<Done, Other>) => {
      if (m.type === 'done') {
        settled = true;
        resolve(m as Done);
      } else if (m.type === 'error') {
        settled = true;
        const err = m as { message: string; stack?: string };
        const e = new Error(err.message);
        if (err.stack) e.stack = err.stack;
        reject(e);
      } else onOther(m as Other);
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`${what} exited with code ${code} before it finished`));
    });
  });
}
