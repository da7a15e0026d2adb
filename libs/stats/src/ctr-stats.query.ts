import { z } from 'zod/v4';
import { MAX_TS_MS, MIN_TS_MS } from '@recsys/contracts';
import { DomainError } from '@recsys/observability';

/**
 * The bucket sizes `GET /v1/stats/ctr` offers, in milliseconds. The seconds and the minute serve a fast demo (a new
 * version every minute) and the dashboard's recent ranges.
 */
export const CTR_BUCKET_MS = {
  '10s': 10_000,
  '30s': 30_000,
  '1m': 60_000,
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '1d': 86_400_000,
} as const;
export type CtrBucket = keyof typeof CTR_BUCKET_MS;
export const CTR_BUCKETS = Object.keys(CTR_BUCKET_MS) as CtrBucket[];

/** The bucket when the query names none. */
export const DEFAULT_CTR_BUCKET: CtrBucket = '1h';
/** The range when the query gives no `from`: this much before `to`. */
export const DEFAULT_CTR_RANGE_MS = 24 * 3_600_000;
/** Most buckets one version's series may have; a longer range needs a larger bucket. */
export const MAX_CTR_BUCKETS = 2000;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_MS = /^[0-9]{1,16}$/;
const INSTANT_MESSAGE = 'must be epoch milliseconds or an ISO-8601 date, given once';

/** An instant as a query parameter: epoch milliseconds or ISO-8601, as events' `ts`; empty is the same as absent. */
const instant = z
  .string({ error: INSTANT_MESSAGE })
  .max(64, INSTANT_MESSAGE)
  .optional()
  .transform((value, ctx): number | undefined => {
    if (value === undefined || value === '') return undefined;
    const ms = EPOCH_MS.test(value) ? Number(value) : ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: INSTANT_MESSAGE });
      return z.NEVER;
    }
    if (ms < MIN_TS_MS || ms > MAX_TS_MS) {
      ctx.addIssue({ code: 'custom', message: 'must be within 1990..2100 (epoch milliseconds expected)' });
      return z.NEVER;
    }
    return Math.trunc(ms);
  });

/**
 * `GET /v1/stats/ctr?from=&to=&bucket=1h` (CONTRACT section 4): `from` and `to` epoch milliseconds or ISO-8601 (both
 * optional; see {@link ctrWindow} for the defaults), `bucket` one of {@link CTR_BUCKETS} (default `1h`). An empty
 * value is the same as none.
 */
export const CTR_STATS_QUERY = z.object({
  from: instant,
  to: instant,
  bucket: z
    .enum([...CTR_BUCKETS, ''], { error: `must be one of ${CTR_BUCKETS.join(', ')}` })
    .default(DEFAULT_CTR_BUCKET)
    .transform((b): CtrBucket => b || DEFAULT_CTR_BUCKET),
});
export type CtrStatsQuery = z.infer<typeof CTR_STATS_QUERY>;

/** The half-open range [fromMs, toMs) of a CTR query, and its bucket. */
export interface CtrWindow {
  fromMs: number;
  toMs: number;
  bucket: CtrBucket;
  bucketMs: number;
}

/**
 * The window a parsed query asks for: `to` defaults to `nowMs`, `from` to {@link DEFAULT_CTR_RANGE_MS} before `to`, or
 * less for a bucket so small that 24 hours would be too many of them (`?bucket=10s` alone: the last 2,000 buckets).
 * Buckets are aligned to the epoch (a `1d` bucket starts at 00:00 UTC), so the range may touch one bucket more than
 * its length divided by the bucket size; it may touch at most {@link MAX_CTR_BUCKETS}.
 * @throws DomainError 400 `invalid_request` when `from` is not before `to`, or the range spans too many buckets.
 */
export function ctrWindow(query: CtrStatsQuery, nowMs: number): CtrWindow {
  const toMs = query.to ?? nowMs;
  const bucketMs = CTR_BUCKET_MS[query.bucket];
  // one bucket less than the limit: an unaligned range touches one more than its length holds
  const fromMs = query.from ?? toMs - Math.min(DEFAULT_CTR_RANGE_MS, (MAX_CTR_BUCKETS - 1) * bucketMs);
  if (fromMs >= toMs) {
    throw new DomainError(400, 'invalid_request', `from (${new Date(fromMs).toISOString()}) must be before to (${new Date(toMs).toISOString()})`);
  }
  const buckets = Math.floor((toMs - 1) / bucketMs) - Math.floor(fromMs / bucketMs) + 1;
  if (buckets > MAX_CTR_BUCKETS) {
    throw new DomainError(400, 'invalid_request', `the range spans ${buckets} buckets of ${query.bucket}, at most ${MAX_CTR_BUCKETS}: ask for a shorter range or a larger bucket`);
  }
  return { fromMs, toMs, bucket: query.bucket, bucketMs };
}
