import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { currentBackend, nativeAddonPath, selectBackend } from './backend';

// One module instance: the selection state carries from test to test, in order (auto needs it empty, so it is first).
describe('selectBackend', () => {
  it('auto: tries tensorflow-gpu, tensorflow, wasm, cpu in that order, takes the first that sets up and says why it passed over the others', async () => {
    expect(currentBackend()).toBeUndefined();
    const logs: string[] = [];
    const choice = await selectBackend('auto', (m) => logs.push(m));
    const order = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
    expect(choice.tried).toEqual(order.slice(0, order.indexOf(choice.name) + 1));
    expect(tf.getBackend()).toBe(choice.name.startsWith('tensorflow') ? 'tensorflow' : choice.name);
    expect(Object.keys(choice.reasons).sort()).toEqual(choice.tried.slice(0, -1).sort());
    // a native package passed over is named (not installed, addon not built with its setup command, or no GPU)
    for (const [name, reason] of Object.entries(choice.reasons)) {
      expect(reason).toMatch(name === 'tensorflow-gpu' ? /tfjs-node-gpu|GPU/ : /tfjs-node/);
    }
    expect(choice.tensorflowVersion === null).toBe(!choice.name.startsWith('tensorflow'));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`[ml] tfjs backend: ${choice.name}`);
    expect(logs[0]).toContain(`requested auto; tried ${choice.tried.join(', ')}`);
    for (const reason of Object.values(choice.reasons)) expect(logs[0]).toContain(reason as string);
  });

  it('sets wasm by name, on one thread by default, and logs it (or keeps auto\'s choice when that was wasm)', async () => {
    const before = currentBackend();
    const logs: string[] = [];
    const choice = await selectBackend('wasm', (m) => logs.push(m));
    expect(tf.getBackend()).toBe('wasm');
    if (before?.name === 'wasm') {
      // without a native backend installed, auto chose wasm already: asking for it by name keeps that choice
      expect(choice).toBe(before);
      expect(choice.threads).toBe(1);
      expect(logs).toEqual([]);
    } else {
      expect(choice).toEqual({ requested: 'wasm', name: 'wasm', tried: ['wasm'], threads: 1, reasons: {}, tensorflowVersion: null });
      expect(logs).toEqual(['[ml] tfjs backend: wasm, 1 thread(s) (requested wasm; tried wasm)']);
    }
  });

  it('is idempotent per requested name: a second call neither sets up nor logs again', async () => {
    const logs: string[] = [];
    const first = await selectBackend('cpu', (l) => logs.push(l));
    expect(await selectBackend('cpu', (l) => logs.push(l))).toBe(first);
    expect(currentBackend()).toBe(first);
    expect(tf.getBackend()).toBe('cpu');
    expect(logs).toHaveLength(1);
    expect(first.threads).toBe(1);
  });
});

describe('nativeAddonPath', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'addon-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is where tfjs-node's loader looks: module_path for the highest N-API version both sides support", () => {
    const manifest = path.join(dir, 'package.json');
    const napi = Number(process.versions.napi);
    writeFileSync(manifest, JSON.stringify({
      binary: { module_name: 'tfjs_binding', module_path: './lib/napi-v{napi_build_version}', napi_versions: [3, napi - 1, napi, napi + 1] },
    }));
    expect(nativeAddonPath(manifest)).toBe(path.join(dir, 'lib', `napi-v${napi}`, 'tfjs_binding.node'));
  });
});
