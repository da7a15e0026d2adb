import type { GateComparison, HeldOutScores } from '@recsys/registry';

export interface GateInput {
  candidate: HeldOutScores;
  finite: boolean;
  /** The active version's scores on the same slice, or the popularity fallback's when no version is active. */
  baseline: HeldOutScores;
  against: GateComparison['against'];
  /** GATE_TOLERANCE: the share of the active model's NDCG@10 a candidate may fall below it. */
  tolerance: number;
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(4);
}

/**
 * The gate. A candidate is promoted when its weights are finite and its held-out NDCG@10 is not below the active
 * model's by more than `tolerance` (relative). With no active version it must beat the popularity fallback.
 */
export function decideGate(g: GateInput): GateComparison {
  const base = { against: g.against, candidate: g.candidate, baseline: g.baseline, tolerance: g.tolerance, finite: g.finite };
  if (!g.finite || g.candidate.ndcg === null || !Number.isFinite(g.candidate.ndcg)) {
    return { ...base, decision: 'rejected', reason: 'the candidate has non-finite weights' };
  }
  const c = g.candidate.ndcg;
  const b = g.baseline.ndcg ?? 0;
  if (g.against.kind === 'popular') {
    return c > b
      ? { ...base, decision: 'promoted', reason: `first model: NDCG@10 ${fmt(c)} beats the popularity fallback's ${fmt(b)}` }
      : { ...base, decision: 'rejected', reason: `first model: NDCG@10 ${fmt(c)} does not beat the popularity fallback's ${fmt(b)}` };
  }
  const floor = b * (1 - g.tolerance);
  return c >= floor
    ? { ...base, decision: 'promoted', reason: `NDCG@10 ${fmt(c)} vs ${fmt(b)} of ${g.against.version} (within ${(g.tolerance * 100).toFixed(1)}% or better)` }
    : { ...base, decision: 'rejected', reason: `NDCG@10 ${fmt(c)} is below ${fmt(b)} of ${g.against.version} by more than ${(g.tolerance * 100).toFixed(1)}%` };
}
