/**
 * The active-learning score of each sample of a pool under the current student (forward only): its sampled-softmax
 * loss against a shared set of popularity negatives plus 0.1 x the entropy of that softmax (uncertainty). Higher
 * scores make a sample more likely to be chosen (train/active.ts).
 */
import type { Rng } from '../core/rng';
import type { TrainExample } from '../features/example';
import type { TwoTowerModel } from '../model/two-tower';
import type { NegativeSampler } from './negative-sampler';

/** Negatives shared by every sample of the pool (at most the model's own number). */
export const SCORE_NEGATIVES = 128;
/** Weight of the softmax entropy beside the loss. */
export const SCORE_ENTROPY_WEIGHT = 0.1;

/**
 * Loss + uncertainty score per pool sample. Rebuilds `sampler` from the model's counts and draws the negatives from
 * `rng` (so it moves the learner's random sequence, as a step does).
 */
export function sampleScores(model: TwoTowerModel, sampler: NegativeSampler, rng: Rng, pool: readonly TrainExample[]): Float64Array {
  sampler.rebuild();
  const { items: negs, q } = sampler.sample(Math.min(SCORE_NEGATIVES, model.cfg.negatives), rng);
  const D = model.vectorDim;
  const nv = model.itemVectors(negs);
  const out = new Float64Array(pool.length);
  const lq = Array.from(q, (x) => Math.log(Math.max(x, 1e-9)));
  // each distinct target's vector once, in one typed-array pass (the same vectors as one at a time); a pool holds far
  // more samples than distinct targets (a trainer's pre-sample: hundreds of thousands over the catalog)
  const slot = new Map<number, number>();
  const targets: number[] = [];
  for (const ex of pool) {
    if (slot.has(ex.target)) continue;
    slot.set(ex.target, targets.length);
    targets.push(ex.target);
  }
  const tvs = model.itemVectorsJs(targets);
  pool.forEach((ex, i) => {
    const u = model.userVector(ex.hist, ex.ctxKeys);
    const at = (slot.get(ex.target) as number) * D;
    let pos = 0;
    for (let j = 0; j < D; j++) pos += u[j] * tvs[at + j];
    pos -= model.logQ(ex.target, 0, (q.length * (model.counts[ex.target] || 1)) / Math.max(1, model.totalCount));
    const logits = [pos];
    for (let c = 0; c < negs.length; c++) {
      if (negs[c] === ex.target) continue;
      let s = 0;
      for (let j = 0; j < D; j++) s += u[j] * nv[c * D + j];
      logits.push(s - lq[c]);
    }
    const mx = Math.max(...logits);
    let z = 0;
    for (const l of logits) z += Math.exp(l - mx);
    const logp = logits[0] - mx - Math.log(z);
    let ent = 0;
    for (const l of logits) {
      const p = Math.exp(l - mx) / z;
      if (p > 0) ent -= p * Math.log(p);
    }
    out[i] = -logp + SCORE_ENTROPY_WEIGHT * ent;
  });
  return out;
}
