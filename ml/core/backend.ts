/**
 * TensorFlow.js backend selection. `auto` tries tensorflow-gpu (tfjs-node-gpu), tensorflow (tfjs-node), wasm, cpu in
 * that order. The native bindings are optional dependencies loaded with a guarded require, so hosts without them fall
 * back to wasm or cpu.
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
}

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

async function trySet(name: Exclude<BackendName, 'auto'>): Promise<boolean> {
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      if (!tryRequire(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node')) return false;
      return (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow';
    }
    if (name === 'wasm') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths: (p: string) => void };
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dir + path.sep);
      const ok = await tf.setBackend('wasm');
      await tf.ready();
      return ok && tf.getBackend() === 'wasm';
    }
    const ok = await tf.setBackend('cpu');
    await tf.ready();
    return ok && tf.getBackend() === 'cpu';
  } catch {
    return false;
  }
}

/** Selects and initialises a backend; logs the choice through `log` (stderr by default). Idempotent per requested name. */
export async function selectBackend(
  requested: BackendName = 'auto',
  log: (msg: string) => void = (m) => process.stderr.write(m + '\n'),
): Promise<BackendChoice> {
  if (current && (current.requested === requested || requested === 'auto' || current.name === requested)) return current;
  const order: Exclude<BackendName, 'auto'>[] =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested, 'cpu'];
  const tried: string[] = [];
  for (const name of order) {
    tried.push(name);
    if (await trySet(name)) {
      current = { requested, name, tried };
      log(`[ml] tfjs backend: ${name} (requested ${requested}; tried ${tried.join(', ')})`);
      return current;
    }
  }
  throw new Error(`no tfjs backend could be initialised (tried ${tried.join(', ')})`);
}

export function currentBackend(): BackendChoice | undefined {
  return current;
}
