import { CtrStatsRepository } from './ctr-stats.repository';
import { CtrStatsQuery, ctrWindow } from './ctr-stats.query';
import { wilsonInterval } from './wilson';

/** One bucket of one model version's series. */
export interface CtrPoint {
  modelVersion: string;
  /** The bucket's start, ISO-8601 (UTC). */
  bucketStart: string;
  impressions: number;
  clicks: number;
  /** `clicks / impressions`, capped at 1; 0 without impressions. */
  ctr: number;
  /** The 95% Wilson score interval of `ctr` ([0, 1] without impressions). */
  ctrLow: number;
  ctrHigh: number;
}

/** The answer of `GET /v1/stats/ctr`. */
export interface CtrStatsAnswer {
  /** Ordered by model version, then bucket start. */
  series: CtrPoint[];
}

/**
 * CTR per model version over time (CONTRACT section 4), from the interactions PostgreSQL stores: impressions and
 * clicks attributed to a model version, abuse-flagged ones excluded. Where a bucket holds more clicks than impressions
 * (a click whose impression was never sent), the rate is capped at 1 and the interval computed on
 * `min(clicks, impressions)` ({@link wilsonInterval}); `clicks` still reports what was stored.
 */
export class CtrStatsService {
  constructor(private readonly repo: CtrStatsRepository) {}

  /**
   * The series a parsed query asks for (defaults as {@link ctrWindow} says).
   * @throws DomainError 400 `invalid_request` for a range that is empty, reversed or spans too many buckets.
   */
  async series(query: CtrStatsQuery): Promise<CtrStatsAnswer> {
    const w = ctrWindow(query, this.repo.now());
    const counts = await this.repo.counts(w.fromMs, w.toMs, w.bucketMs);
    return {
      series: counts.map((c) => {
        const { ctr, low, high } = wilsonInterval(c.clicks, c.impressions);
        return {
          modelVersion: c.modelVersion,
          bucketStart: new Date(c.bucketStartMs).toISOString(),
          impressions: c.impressions,
          clicks: c.clicks,
          ctr,
          ctrLow: low,
          ctrHigh: high,
        };
      }),
    };
  }
}
