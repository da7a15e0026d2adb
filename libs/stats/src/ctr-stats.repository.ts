import type { DataSource } from 'typeorm';

/** Impressions and clicks of one model version in one bucket, as stored. */
export interface CtrCount {
  modelVersion: string;
  /** Epoch milliseconds of the bucket's start, a multiple of the bucket size. */
  bucketStartMs: number;
  impressions: number;
  clicks: number;
}

/** Every side effect of the CTR statistics: the stored interactions in PostgreSQL, and the clock. */
export class CtrStatsRepository {
  constructor(private readonly ds: DataSource) {}

  /** The current time, epoch milliseconds. */
  now(): number {
    return Date.now();
  }

  /**
   * Impressions and clicks with event time in [fromMs, toMs), per model version and bucket of `bucketMs` (starts at
   * multiples of it), ordered by version (byte order) and bucket. Unattributed rows (no model version) and rows the
   * abuse filter flagged are left out, and so are buckets without any impression or click of the version.
   */
  async counts(fromMs: number, toMs: number, bucketMs: number): Promise<CtrCount[]> {
    // bigint division truncates, which is floor for the non-negative event times the contract admits
    const rows: { model_version: string; bucket: string; impressions: string; clicks: string }[] = await this.ds.query(
      `SELECT model_version,
              (ts / $3::bigint) * $3::bigint AS bucket,
              count(*) FILTER (WHERE type = 'impression') AS impressions,
              count(*) FILTER (WHERE type = 'click') AS clicks
       FROM interactions
       WHERE ts >= $1::bigint AND ts < $2::bigint
         AND type IN ('impression', 'click')
         AND model_version IS NOT NULL
         AND NOT abusive
       GROUP BY model_version, bucket
       ORDER BY model_version COLLATE "C", bucket`,
      [fromMs, toMs, bucketMs],
    );
    return rows.map((r) => ({ modelVersion: r.model_version, bucketStartMs: Number(r.bucket), impressions: Number(r.impressions), clicks: Number(r.clicks) }));
  }
}
