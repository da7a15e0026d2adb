/**
 * TensorFlow.js backend selection. `auto` tries tensorflow-gpu (tfjs-node-gpu), tensorflow (tfjs-node), wasm, cpu in
 * that order. The native bindings are optional dependencies loaded with a guarded require, so hosts without them fall
 * back to wasm or cpu.
 *
 * Float results (and so trained weights and eval figures) are a function of the inputs, the seed, the backend and its
 * thread count: a kernel may split a sum across threads. The thread count is therefore pinned (wasm: 1 by default) and
 * reported with the backend, and `auto` can pick another backend on another host: name one for reproducible figures.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendChoice {
  requested: BackendName;
  /** What actually runs: tensorflow-gpu | tensorflow | wasm | cpu. */
  name: Exclude<BackendName, 'auto'>;
  tried: string[];
  /**
   * Threads the kernels run on: wasm's XNNPACK pool as initialised (1 in Node, which runs the single-threaded wasm
   * build), 1 for cpu (plain JavaScript), null for tensorflow(-gpu): TensorFlow sizes its own pools (one thread per core
   * unless the process was started with TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS set).
   */
  threads: number | null;
}

/** How a backend is set up. */
export interface BackendOptions {
  /**
   * Threads of the wasm kernels: XNNPACK's pool size (setThreadsCount; default 1, so figures do not depend on the
   * host's core count). Ignored by cpu (one thread) and tensorflow(-gpu) (pinned from the environment, see `threads`).
   */
  threads?: number;
}

/** Default thread count of the wasm backend's kernels. */
export const WASM_THREADS_DEFAULT = 1;

let current: BackendChoice | undefined;

function tryRequire(mod: string): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(mod);
    return true;
  } catch {
    return false;
  }
}

interface WasmModule {
  setWasmPaths: (p: string) => void;
  setThreadsCount: (n: number) => void;
  getThreadsCount: () => number;
}

/** Sets a backend up; returns its thread count, or undefined when it could not be set. */
async function trySet(name: Exclude<BackendName, 'auto'>, o: BackendOptions): Promise<{ threads: number | null } | undefined> {
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      if (!tryRequire(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node')) return undefined;
      return (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow' ? { threads: null } : undefined;
    }
    if (name === 'wasm') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const wasm = require('@tensorflow/tfjs-backend-wasm') as WasmModule;
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dir + path.sep);
      // read when the backend initialises: must precede setBackend
      wasm.setThreadsCount(Math.max(1, Math.floor(o.threads ?? WASM_THREADS_DEFAULT)));
      const ok = await tf.setBackend('wasm');
      await tf.ready();
      return ok && tf.getBackend() === 'wasm' ? { threads: wasm.getThreadsCount() } : undefined;
    }
    const ok = await tf.setBackend('cpu');
    await tf.ready();
    return ok && tf.getBackend() === 'cpu' ? { threads: 1 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Selects and initialises a backend; logs the choice through `log` (stderr by default). Idempotent per requested name
 * (a backend's threads are fixed when it first initialises: a later call's `threads` does not change them).
 */
export async function selectBackend(
  requested: BackendName = 'auto',
  log: (msg: string) => void = (m) => process.stderr.write(m + '\n'),
  options: BackendOptions = {},
): Promise<BackendChoice> {
  if (current && (current.requested === requested || requested === 'auto' || current.name === requested)) return current;
  const order: Exclude<BackendName, 'auto'>[] =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested, 'cpu'];
  const tried: string[] = [];
  for (const name of order) {
    tried.push(name);
    const set = await trySet(name, options);
    if (set) {
      current = { requested, name, tried, threads: set.threads };
      log(`[ml] tfjs backend: ${name}, ${set.threads ?? 'default'} thread(s) (requested ${requested}; tried ${tried.join(', ')})`);
      return current;
    }
  }
  throw new Error(`no tfjs backend could be initialised (tried ${tried.join(', ')})`);
}

/** The backend selected so far (undefined before selectBackend). */
export function currentBackend(): BackendChoice | undefined {
  return current;
}
