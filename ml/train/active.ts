/**
 * Active-learning sample selection: choose a budget of the window's pool with inclusion probabilities that grow with
 * each sample's loss/uncertainty score (a floor keeps every sample possible), and give each chosen sample the
 * importance weight 1/p so the weighted loss stays an unbiased estimate of the pool's loss. Random selection at the same
 * budget is the control.
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

/** Poisson sampling with the given probabilities; weights are 1/p. */
export function sampleWithProbabilities(p: readonly number[], rng: Rng): Selection {
  const sel: Selection = { indices: [], weights: [], probabilities: [] };
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0 && rng.next() < p[i]) {
      sel.indices.push(i);
      sel.weights.push(1 / p[i]);
      sel.probabilities.push(p[i]);
    }
  }
  return sel;
}

/** Selects from a pool: all samples, by loss/uncertainty (active), or uniformly (random) at the budget fraction. */
export function selectSamples(mode: SelectionMode, scores: ArrayLike<number>, budget: number, rng: Rng): Selection {
  const n = scores.length;
  if (mode === 'all' || budget >= 1) {
    const idx = Array.from({ length: n }, (_, i) => i);
    return { indices: idx, weights: idx.map(() => 1), probabilities: idx.map(() => 1) };
  }
  const uniform = new Array<number>(n).fill(1);
  return sampleWithProbabilities(inclusionProbabilities(mode === 'active' ? scores : uniform, budget), rng);
}
