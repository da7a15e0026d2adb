import { Worker } from 'node:worker_threads';
import { workerReply } from './worker-reply';

/** A worker thread running `body` (plain JavaScript, with parentPort in scope). */
function worker(body: string): Worker {
  return new Worker(`const { parentPort } = require('node:worker_threads');\n${body}`, { eval: true });
}

describe('workerReply', () => {
  it("settles with the done message and passes the other messages on, in order", async () => {
    const seen: number[] = [];
    const done = await workerReply<{ value: number }, { type: 'progress'; n: number }>(
      worker("parentPort.postMessage({ type: 'progress', n: 1 }); parentPort.postMessage({ type: 'progress', n: 2 }); parentPort.postMessage({ type: 'done', value: 42 });"),
      'the test thread',
      (m) => seen.push(m.n),
    );
    expect(done.value).toBe(42);
    expect(seen).toEqual([1, 2]);
  });

  it("fails with the worker's error message and stack, and on an exit before any reply", async () => {
    const failed = workerReply(worker("parentPort.postMessage({ type: 'error', message: 'no data', stack: 'Error: no data\\n    at job' });"), 'the test thread', () => undefined);
    await expect(failed).rejects.toThrow('no data');
    await expect(failed.catch((e: Error) => e.stack)).resolves.toContain('at job');
    await expect(workerReply(worker('process.exit(3);'), 'the test thread', () => undefined)).rejects.toThrow('the test thread exited with code 3 before it finished');
    await expect(workerReply(worker("throw new Error('boom');"), 'the test thread', () => undefined)).rejects.toThrow('boom');
  });
});
