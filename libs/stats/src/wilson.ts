/** The standard normal quantile of a two-sided 95% interval. */
export const WILSON_Z_95 = 1.959963984540054;

/** A click-through rate with its confidence interval, every figure within [0, 1]. */
export interface CtrEstimate {
  ctr: number;
  low: number;
  high: number;
}

/**
 * The click-through rate `clicks / impressions` and its Wilson score interval (default 95%, `z` =
 * {@link WILSON_Z_95}), clamped to [0, 1]. Without impressions nothing is known: ctr 0, interval [0, 1].
 *
 * Clicks can exceed impressions in stored data (a click whose impression was never sent, or arrived outside the
 * range asked about): the rate is then capped at 1 and the interval is computed on `min(clicks, impressions)`
 * successes, as if every impression had been clicked.
 */
export function wilsonInterval(clicks: number, impressions: number, z = WILSON_Z_95): CtrEstimate {
  if (!(impressions > 0)) return { ctr: 0, low: 0, high: 1 };
  const n = impressions;
  const k = Math.min(Math.max(clicks, 0), n);
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // at p = 0 (p = 1) the lower (upper) bound is 0 (1) exactly; computed, rounding lands just beside it
  return { ctr: p, low: k === 0 ? 0 : clamp01(centre - half), high: k === n ? 1 : clamp01(centre + half) };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
