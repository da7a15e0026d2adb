/**
 * Training examples in flat typed arrays (how a learner checkpoint stores its pending samples and replay reservoir:
 * a few binary blocks instead of one JSON object per sample), and back, exactly.
 */
import type { TrainExample } from '../features/example';

/**
 * Example e's history is `hist[histOffsets[e] .. histOffsets[e + 1])` (most recent first), its context keys
 * `ctxKeys[ctxOffsets[e] .. ctxOffsets[e + 1])` (uint32 values, kept in float64), its target `targets[e]` and its
 * importance weight `weights[e]`.
 */
export interface ExamplePack {
  histOffsets: Int32Array;
  hist: Int32Array;
  ctxOffsets: Int32Array;
  ctxKeys: Float64Array;
  targets: Int32Array;
  weights: Float64Array;
}

export function packExamples(examples: readonly TrainExample[]): ExamplePack {
  const n = examples.length;
  const histOffsets = new Int32Array(n + 1);
  const ctxOffsets = new Int32Array(n + 1);
  for (let e = 0; e < n; e++) {
    histOffsets[e + 1] = histOffsets[e] + examples[e].hist.length;
    ctxOffsets[e + 1] = ctxOffsets[e] + examples[e].ctxKeys.length;
  }
  const hist = new Int32Array(histOffsets[n]);
  const ctxKeys = new Float64Array(ctxOffsets[n]);
  const targets = new Int32Array(n);
  const weights = new Float64Array(n);
  examples.forEach((ex, e) => {
    hist.set(ex.hist, histOffsets[e]);
    ctxKeys.set(ex.ctxKeys, ctxOffsets[e]);
    targets[e] = ex.target;
    weights[e] = ex.weight;
  });
  return { histOffsets, hist, ctxOffsets, ctxKeys, targets, weights };
}

export function unpackExamples(p: ExamplePack): TrainExample[] {
  const out: TrainExample[] = [];
  for (let e = 0; e < p.targets.length; e++) {
    out.push({
      hist: p.hist.slice(p.histOffsets[e], p.histOffsets[e + 1]),
      target: p.targets[e],
      ctxKeys: Array.from(p.ctxKeys.subarray(p.ctxOffsets[e], p.ctxOffsets[e + 1])),
      weight: p.weights[e],
    });
  }
  return out;
}
