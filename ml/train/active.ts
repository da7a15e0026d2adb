/**
 * Active-learning sample selection: choose a budget of the window's pool with inclusion probabilities that grow with
 * each sample's loss/uncertainty score (a floor keeps every sample possible), and give each chosen sample the
 * importance weight 1/p so the weighted loss stays an unbiased estimate of the pool's loss. Random selection at the same
 * budget is the control; both sample systematically, so from the same start they choose equally many samples.
 */
import type { Rng } from '../core/rng';

export type SelectionMode = 'all' | 'active' | 'random';

export interface Selection {
  indices: number[];
  weights: number[];
  probabilities: number[];
}

/** Inclusion probabilities for a budget fraction of n samples: mix of score-proportional and uniform, capped at 1. */
export function inclusionProbabilities(scores: ArrayLike<number>, budget: number, mix = 0.8): number[] {
  const n = scores.length;
  const target = Math.max(0, Math.min(1, budget)) * n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.max(0, scores[i]);
  const p = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const share = sum > 0 ? Math.max(0, scores[i]) / sum : 1 / n;
    p[i] = target * (mix * share + (1 - mix) / n);
  }
  // cap at 1 and redistribute the excess over the rest (a few rounds suffice)
  for (let round = 0; round < 5; round++) {
    let excess = 0;
    let freeMass = 0;
    for (let i = 0; i < n; i++) {
      if (p[i] > 1) {
        excess += p[i] - 1;
        p[i] = 1;
      } else if (p[i] < 1) freeMass += p[i];
    }
    if (excess <= 1e-12 || freeMass <= 0) break;
    for (let i = 0; i < n; i++) if (p[i] < 1) p[i] += (excess * p[i]) / freeMass;
  }
  return p;
}

/**
 * Randomized systematic sampling with the given inclusion probabilities (each at most 1): the samples in a random
 * order, laid end to end as intervals of length p, and the ones whose interval holds a point of u, u + 1, u + 2, ...
 * for the start `u` in [0, 1). Each sample is chosen with exactly its probability (weight 1/p), and how many are
 * chosen, floor or ceil of the probabilities' sum, depends on u and that sum alone: two selections of equal sums from
 * the same u choose as many samples (a comparison at equal budget). Indices ascending.
 */
export function sampleSystematic(p: readonly number[], u: number, rng: Rng): Selection {
  const n = p.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const chosen: number[] = [];
  let cum = 0;
  let point = u;
  for (let t = 0; t < n; t++) {
    const i = order[t];
    cum += p[i];
    if (p[i] > 0 && point < cum) {
      chosen.push(i);
      point += 1;
    }
  }
  chosen.sort((a, b) => a - b);
  return { indices: chosen, weights: chosen.map((i) => 1 / p[i]), probabilities: chosen.map((i) => p[i]) };
}

/**
 * Selects from a pool: all samples, by loss/uncertainty (active), or uniformly (random) at the budget fraction, by
 * systematic sampling from the start `u` (default: drawn from `rng` first). Active and random selections of one pool
 * from the same u choose the same number of samples.
 */
export function selectSamples(mode: SelectionMode, scores: ArrayLike<number>, budget: number, rng: Rng, u = rng.next()): Selection {
  const n = scores.length;
  if (mode === 'all' || budget >= 1) {
    const idx = Array.from({ length: n }, (_, i) => i);
    return { indices: idx, weights: idx.map(() => 1), probabilities: idx.map(() => 1) };
  }
  const uniform = new Array<number>(n).fill(1);
  return sampleSystematic(inclusionProbabilities(mode === 'active' ? scores : uniform, budget), u, rng);
}
