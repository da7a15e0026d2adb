/** Types of prom-metrics.js (plain JavaScript the page loads as a script and the unit tests require). */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Histogram {
  /** Ascending bounds, cumulative counts, `+Inf` last. */
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}
export const REQUEST_HISTOGRAM: string;
export function parseSamples(text: string): PromSample[];
export function isOwnRoute(route: string): boolean;
export function histogram(samples: PromSample[], metric: string, keep?: (labels: Record<string, string>) => boolean): Histogram;
export function histogramDelta(prev: Histogram | null, cur: Histogram | null): Histogram | null;
export function histogramQuantile(q: number, buckets: Histogram['buckets']): number | null;
export function requestHistogram(text: string): Histogram;
export function requestWindow(prev: Histogram | null, cur: Histogram, seconds: number): { rate: number; p50: number | null; p99: number | null; requests: number } | null;
