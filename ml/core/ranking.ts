/**
 * Ranking metrics of one held-out positive against the whole catalog, exactly as the evaluation protocol ranks
 * (CONTRACT section 6): the target's rank among the rankable items (live, not excluded), a hit when it is in the top k,
 * NDCG = 1 / log2(rank + 1) for a hit at rank 1..k, and the full-catalog softmax log-loss of the target.
 */

export interface RankOutcome {
  /** 1-based rank of the target among the rankable items (an equal score ranks above it when its index is lower, as top-k keeps ties). */
  rank: number;
  hit: boolean;
  ndcg: number;
  /** -log softmax(scores)[target] over the rankable items and the target. */
  logLoss: number;
}

export interface HeldOutMetrics {
  /** Samples measured. */
  n: number;
  hr: number;
  ndcg: number;
  /** Mean full-catalog log-loss of the targets. */
  loss: number;
}

/**
 * Ranks `target` within `scores` (one score per catalog index). `exclude`: indices never ranked (the user's seen items;
 * the target itself is always ranked, but counts as a miss when it is not live); `allowed`: live items (allowed[i]
 * falsy: not ranked).
 */
export function rankOf(
  scores: ArrayLike<number>,
  target: number,
  k: number,
  exclude?: ReadonlySet<number> | null,
  allowed?: ArrayLike<boolean | number> | null,
): RankOutcome {
  const st = scores[target];
  let higher = 0;
  let mx = st;
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    if (i === target || (allowed && !allowed[i])) continue;
    const s = scores[i];
    if (s > mx) mx = s;
  }
  let z = 0;
  for (let i = 0; i < n; i++) {
    if (i !== target && ((allowed && !allowed[i]) || (exclude && exclude.has(i)))) continue;
    const s = scores[i];
    if (i !== target && (s > st || (s === st && i < target))) higher++;
    z += Math.exp(s - mx);
  }
  const rank = higher + 1;
  // a target that is not live (a deleted product) is never recommended: a miss, whatever its score
  const hit = rank <= k && !(allowed && !allowed[target]);
  return { rank, hit, ndcg: hit ? 1 / Math.log2(rank + 1) : 0, logLoss: -(st - mx - Math.log(z)) };
}

/** Sums rank outcomes into HR@k, NDCG@k and the mean loss. */
export class HeldOutAccumulator {
  private n = 0;
  private hits = 0;
  private ndcg = 0;
  private loss = 0;
  add(o: RankOutcome): void {
    this.n++;
    if (o.hit) this.hits++;
    this.ndcg += o.ndcg;
    this.loss += o.logLoss;
  }
  result(): HeldOutMetrics {
    const n = this.n;
    return { n, hr: n ? this.hits / n : 0, ndcg: n ? this.ndcg / n : 0, loss: n ? this.loss / n : 0 };
  }
}
