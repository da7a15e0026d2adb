/**
 * TensorFlow's native CPU backend (tfjs-node built by `npm run setup:tensorflow` against TensorFlow's C library from
 * Maven Central): it loads, its string tensors (the binding's TF_TString shim) survive a round trip through a
 * TensorFlow op, the same stream and seed train to the same losses as on wasm, and bulk item vectors (pooled in typed
 * arrays there: tfjs-node has no sparse segment kernels) match the typed-array item tower.
 */
import * as tf from '@tensorflow/tfjs';
import type * as Backend from '../../ml/core/backend';
import type { MlEvent } from '../../ml/core/events';
import { FeatureState } from '../../ml/features/state';
import { generateShop, shopEvents } from '../../ml/sim/shop';
import { feedEvents } from '../../ml/train/feed';
import { ContinualLearner } from '../../ml/train/learner';
import { TFJS_ITEM_VECTORS_FROM } from '../../ml/model/two-tower';
import { requireTensorflow } from './support/native-backend';

// the real selection (the project's setup file redirects the shared specs' calls to tensorflow)
const backend = jest.requireActual<typeof Backend>('../../ml/core/backend');
const STEP_MS = 3600_000 / 3;

/**
 * Step losses on the two backends may differ only by float32 rounding (sums taken in another order): measured at most
 * 1.8e-7 relative over these 23 steps. A real difference in a kernel (a wrong gradient, a dropped term) is far larger.
 */
const LOSS_RTOL = 1e-5;

/** The learner's losses, step by step, trained window by window on one shop stream with one seed. */
async function stepLosses(name: 'wasm' | 'tensorflow'): Promise<number[]> {
  if (name === 'tensorflow') await requireTensorflow(backend);
  else expect((await backend.selectBackend('wasm', () => undefined)).name).toBe('wasm');
  const events: MlEvent[] = shopEvents(generateShop({ seed: 21, categories: 6, itemsPerCategory: 20, users: 100, clicksPerUser: 14 }));
  const features = new FeatureState();
  const learner = new ContinualLearner(features.catalog, { student: { dim: 16, hidden: 32 }, teacher: false, seed: 9, replaySize: 400 });
  const losses: number[] = [];
  let from = 0;
  while (from < events.length) {
    const w = Math.floor(events[from].ts / STEP_MS);
    let to = from;
    while (to < events.length && Math.floor(events[to].ts / STEP_MS) === w) to++;
    feedEvents(features, [learner], events.slice(from, to), STEP_MS, false);
    const r = learner.step();
    if (!r.skipped) {
      expect(r.accepted).toBe(true);
      // a window of repeats alone trains the towers on nothing (loss 0): the losses compared are those of training
      if (r.examples > 0) losses.push(r.loss);
    }
    from = to;
  }
  expect(tf.getBackend()).toBe(name);
  return losses;
}

describe('the tensorflow backend (tfjs-node on TensorFlow C)', () => {
  it('loads as the tensorflow backend on TensorFlow 2.x, on its CPU device', async () => {
    const choice = await requireTensorflow(backend);
    expect(choice.name).toBe('tensorflow');
    expect(choice.tensorflowVersion).toMatch(/^2\.\d+\.\d+/);
    expect(tf.getBackend()).toBe('tensorflow');
    expect((tf.backend() as unknown as { isUsingGpuDevice: boolean }).isUsingGpuDevice).toBe(false);
    expect(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).arraySync()).toEqual([[11]]);
  });

  it('passes strings through a TensorFlow op intact: inline (up to 22 bytes) and heap ones, empty and multi-byte', async () => {
    await requireTensorflow(backend);
    const strings = ['', 'abc', 'x'.repeat(22), 'y'.repeat(23), 'z'.repeat(300), 'ünïcødé ✓'];
    // Tile runs in TensorFlow: the input is written and the output read through the TF_TString functions
    const tiled = tf.tile(tf.tensor1d(strings, 'string'), [2]);
    expect(tiled.arraySync()).toEqual([...strings, ...strings]);
    tiled.dispose();
  });

  it(`trains to the same step losses as wasm from the same stream and seed (relative tolerance ${LOSS_RTOL})`, async () => {
    const wasm = await stepLosses('wasm');
    const native = await stepLosses('tensorflow');
    expect(wasm.length).toBeGreaterThan(10);
    expect(native.length).toBe(wasm.length);
    const worst = Math.max(...wasm.map((l, i) => Math.abs(native[i] - l) / Math.abs(l)));
    expect(worst).toBeLessThan(LOSS_RTOL);
    // and the losses moved: a backend that returned its inputs unchanged would not train
    expect(wasm[wasm.length - 1]).toBeLessThan(wasm[1]);
  });

  it('computes bulk item vectors (a catalog of 512 items or more) as the typed-array item tower does', async () => {
    await requireTensorflow(backend);
    const events = shopEvents(generateShop({ seed: 5, categories: 8, itemsPerCategory: 80, users: 120, clicksPerUser: 12 }));
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 5 });
    feedEvents(features, [learner], events, STEP_MS);
    expect(features.catalog.size).toBeGreaterThanOrEqual(TFJS_ITEM_VECTORS_FROM);
    const bulk = learner.student.itemVectors();
    const typed = learner.student.itemVectorsJs();
    expect(bulk.length).toBe(typed.length);
    let worst = 0;
    for (let i = 0; i < bulk.length; i++) worst = Math.max(worst, Math.abs(bulk[i] - typed[i]) / Math.max(1, Math.abs(typed[i])));
    expect(worst).toBeLessThan(1e-4);
    expect(tf.getBackend()).toBe('tensorflow');
  });
});
