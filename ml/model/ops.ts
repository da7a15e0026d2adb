/**
 * TensorFlow.js ops of the towers with hand-written gradients built from the shapes the wasm kernels run fast, and an
 * in-place read of a tensor's values.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * x . W with a custom gradient that uses explicit transposes: the wasm backend's matMul with transposeA/transposeB is
 * several times slower than a transpose followed by a plain matMul.
 */
export const mm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor2D;
  const w = args[1] as tf.Tensor2D;
  (args[2] as tf.GradSaveFunc)([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1] as tf.Tensor2D)),
      tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * Attention logits h_bl . w ([B, L, d] x [d, 1] -> [B, L]). The gradient of w is summed per example as a batched
 * [1, L] x [L, d] product: a plain [1, B*L] x [B*L, d] matMul repacks the whole history on wasm and runs slower.
 */
export const attnLogits = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const h = args[0] as tf.Tensor3D;
  const w = args[1] as tf.Tensor2D;
  const [B, L, d] = h.shape;
  (args[2] as tf.GradSaveFunc)([h, w]);
  return {
    value: tf.reshape(tf.matMul(tf.reshape(h, [B * L, d]) as tf.Tensor2D, w), [B, L]),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      return [
        tf.reshape(tf.matMul(tf.reshape(g, [B * L, 1]) as tf.Tensor2D, tf.reshape(saved[1], [1, d]) as tf.Tensor2D), [B, L, d]),
        tf.reshape(tf.sum(tf.matMul(tf.reshape(g, [B, 1, L]) as tf.Tensor3D, saved[0] as tf.Tensor3D), 0), [d, 1]),
      ];
    },
  };
}) as (h: tf.Tensor3D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * Attention pooling a . h ([B, 1, L] x [B, L, d]). Gradients without transposes: that of h is a broadcast product,
 * that of a is h . dy with dy [B, 1, d] read as [B, d, 1] (the same memory).
 */
export const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const a = args[0] as tf.Tensor3D;
  const h = args[1] as tf.Tensor3D;
  (args[2] as tf.GradSaveFunc)([a, h]);
  return {
    value: tf.matMul(a, h),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [B, L, d] = saved[1].shape;
      const g = dy as tf.Tensor3D;
      return [
        tf.reshape(tf.matMul(saved[1] as tf.Tensor3D, tf.reshape(g, [B, d, 1]) as tf.Tensor3D), [B, 1, L]),
        tf.mul(tf.reshape(saved[0], [B, L, 1]), tf.reshape(g, [B, 1, d])),
      ];
    },
  };
}) as (a: tf.Tensor3D, h: tf.Tensor3D) => tf.Tensor3D;

/**
 * A float32 tensor's values without a copy where the backend allows it (wasm: a view of its heap, valid until the
 * tensor is disposed or another op runs), else a copy.
 */
export function readInPlace(t: tf.Tensor): Float32Array {
  const b = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array };
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm' && typeof b.typedArrayFromHeap === 'function') return b.typedArrayFromHeap(t);
  return t.dataSync() as Float32Array;
}

