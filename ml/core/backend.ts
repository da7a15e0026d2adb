/**
 * TensorFlow.js backend selection. `auto` tries tensorflow-gpu (tfjs-node-gpu), tensorflow (tfjs-node), wasm, cpu in
 * that order and logs the choice with the reason each backend before it was passed over. The native bindings are
 * optional dependencies whose addon is built by `npm run setup:tensorflow [-- --gpu]` (npm ci leaves them out): a
 * package whose addon is not built is passed over without being loaded, so hosts without them fall back to wasm or cpu.
 *
 * Float results (and so trained weights and eval figures) are a function of the inputs, the seed, the backend and its
 * thread count: a kernel may split a sum across threads. The thread count is therefore pinned (wasm: 1 by default) and
 * reported with the backend, and `auto` can pick another backend on another host: name one for reproducible figures.
 */
import * as fs from 'fs';
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
  /** Why each backend tried before `name` was passed over (by backend name), e.g. an addon that is not built. */
  reasons: Partial<Record<Exclude<BackendName, 'auto'>, string>>;
  /** TensorFlow's version (e.g. "2.18.0") when `name` is tensorflow(-gpu), else null. */
  tensorflowVersion: string | null;
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

type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** The native package loaded in this process: both register the same `tensorflow` backend, so only one may load. */
let nativeLoaded: NativePackage | undefined;

interface AddonManifest {
  binary?: { module_name?: string; module_path?: string; napi_versions?: number[] };
}

/**
 * Where a tfjs-node package's loader (node-pre-gyp's find) looks for its addon, given the package's package.json:
 * its `binary.module_path` for the highest N-API version that both the package and this Node support, then
 * `<module_name>.node` (default `lib/napi-v<N>/tfjs_binding.node`).
 */
export function nativeAddonPath(manifestPath: string): string {
  const bin = (JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as AddonManifest).binary ?? {};
  const napi = Number(process.versions.napi);
  const versions = (bin.napi_versions ?? []).filter((v) => v <= napi);
  const version = versions.length ? Math.max(...versions) : napi;
  const rel = (bin.module_path ?? './lib/napi-v{napi_build_version}').replace('{napi_build_version}', String(version));
  return path.join(path.dirname(manifestPath), rel, `${bin.module_name ?? 'tfjs_binding'}.node`);
}

/** The package's addon path (see nativeAddonPath); null when the package is not installed. */
function addonPath(pkg: NativePackage): string | null {
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${pkg}/package.json`);
  } catch {
    return null;
  }
  return nativeAddonPath(manifestPath);
}

/** Loads a native package; returns why not when it cannot (not installed, addon not built, load error). */
function loadNative(pkg: NativePackage): string | undefined {
  if (nativeLoaded) return nativeLoaded === pkg ? undefined : `${nativeLoaded} is already loaded in this process`;
  const setup = pkg === '@tensorflow/tfjs-node-gpu' ? 'npm run setup:tensorflow -- --gpu' : 'npm run setup:tensorflow';
  const addon = addonPath(pkg);
  if (addon === null) return `${pkg} is not installed (${setup})`;
  // requiring the package without its addon would register its kernels and then throw: look first
  if (!fs.existsSync(addon)) return `${pkg}'s native addon is not built at ${addon} (${setup})`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(pkg);
  } catch (e) {
    return `${pkg} did not load: ${(e as Error).message.split('\n')[0]}`;
  }
  nativeLoaded = pkg;
  return undefined;
}

/** What tfjs-node's backend object exposes beyond tfjs' KernelBackend. */
interface NativeKernelBackend {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

interface WasmModule {
  setWasmPaths: (p: string) => void;
  setThreadsCount: (n: number) => void;
  getThreadsCount: () => number;
}

/** How trySet ended: the backend's thread count and TensorFlow version, or why it could not be set. */
type SetResult = { threads: number | null; tensorflowVersion: string | null } | { reason: string };

/** Sets a backend up; returns its thread count, or why it could not be set. */
async function trySet(name: Exclude<BackendName, 'auto'>, o: BackendOptions): Promise<SetResult> {
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      // tfjs-node-gpu on a host where TensorFlow sees no GPU runs on its CPU device: that is the tensorflow backend
      const pkg: NativePackage =
        name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : (nativeLoaded ?? '@tensorflow/tfjs-node');
      const why = loadNative(pkg);
      if (why) return { reason: why };
      if (!(await tf.setBackend('tensorflow')) || tf.getBackend() !== 'tensorflow') return { reason: 'tf.setBackend(\'tensorflow\') failed' };
      const b = tf.backend() as unknown as NativeKernelBackend;
      if (name === 'tensorflow-gpu' && b.isUsingGpuDevice !== true) return { reason: 'TensorFlow sees no GPU device (CUDA driver, CUDA 12 and cuDNN 9 needed)' };
      return { threads: null, tensorflowVersion: b.binding?.TF_Version ?? null };
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
      return ok && tf.getBackend() === 'wasm'
        ? { threads: wasm.getThreadsCount(), tensorflowVersion: null }
        : { reason: 'tf.setBackend(\'wasm\') failed' };
    }
    const ok = await tf.setBackend('cpu');
    await tf.ready();
    return ok && tf.getBackend() === 'cpu' ? { threads: 1, tensorflowVersion: null } : { reason: 'tf.setBackend(\'cpu\') failed' };
  } catch (e) {
    return { reason: (e as Error).message.split('\n')[0] };
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
  const reasons: BackendChoice['reasons'] = {};
  for (const name of order) {
    tried.push(name);
    const set = await trySet(name, options);
    if ('reason' in set) {
      reasons[name] = set.reason;
      continue;
    }
    current = { requested, name, tried, threads: set.threads, reasons, tensorflowVersion: set.tensorflowVersion };
    const passed = Object.entries(reasons).map(([n, r]) => `${n}: ${r}`);
    log(
      `[ml] tfjs backend: ${name}${set.tensorflowVersion ? ` (TensorFlow ${set.tensorflowVersion})` : ''}, ` +
        `${set.threads ?? 'default'} thread(s) (requested ${requested}; tried ${tried.join(', ')})` +
        (passed.length ? `; passed over: ${passed.join('; ')}` : ''),
    );
    return current;
  }
  throw new Error(`no tfjs backend could be initialised (${Object.entries(reasons).map(([n, r]) => `${n}: ${r}`).join('; ')})`);
}

/** The backend selected so far (undefined before selectBackend). */
export function currentBackend(): BackendChoice | undefined {
  return current;
}
