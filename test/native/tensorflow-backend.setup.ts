/**
 * Setup of the `native` Jest project: the ml specs it shares with `unit` (the finite-difference gradient check and the
 * learner's scenarios) run on TensorFlow's native CPU backend. Their `selectBackend(...)` selects `tensorflow` here,
 * whatever they ask for, and fails, saying why, when it cannot (no silent fall back to wasm or cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { requireTensorflow } from './support/native-backend';

// TensorFlow's INFO lines (CPU features) on every worker's first load: read by TensorFlow when its library loads
process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';

jest.mock('../../ml/core/backend', () => {
  const actual = jest.requireActual<typeof import('../../ml/core/backend')>('../../ml/core/backend');
  return {
    ...actual,
    selectBackend: async () => requireTensorflow(actual),
  };
});

afterAll(() => {
  // the file ran on the native backend to its end
  expect(tf.getBackend()).toBe('tensorflow');
});
