import { DomainError } from '@recsys/observability';
import { CTR_STATS_QUERY, ctrWindow, DEFAULT_CTR_RANGE_MS, MAX_CTR_BUCKETS, type CtrStatsQuery } from './ctr-stats.query';

const NOW = Date.UTC(2024, 5, 15, 12, 34, 56, 789);
const HOUR = 3_600_000;

function parse(query: Record<string, unknown>): CtrStatsQuery {
  const r = CTR_STATS_QUERY.safeParse(query);
  if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

function refusal(query: Record<string, unknown>): string {
  const r = CTR_STATS_QUERY.safeParse(query);
  if (r.success) throw new Error(`accepted ${JSON.stringify(query)}`);
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

function windowRefusal(query: CtrStatsQuery): DomainError {
  try {
    ctrWindow(query, NOW);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('the CTR statistics query', () => {
  it('defaults to the last 24 hours up to now, in 1 h buckets', () => {
    for (const q of [{}, { from: '', to: '', bucket: '' }]) {
      expect(ctrWindow(parse(q), NOW)).toEqual({ fromMs: NOW - DEFAULT_CTR_RANGE_MS, toMs: NOW, bucket: '1h', bucketMs: HOUR });
    }
    expect(ctrWindow(parse({ to: '1718409600000' }), NOW)).toMatchObject({ fromMs: 1718409600000 - DEFAULT_CTR_RANGE_MS, toMs: 1718409600000 });
  });

  it('without a from, a bucket too small for 24 hours answers the last 2,000 buckets or fewer', () => {
    expect(ctrWindow(parse({ bucket: '10s' }), NOW)).toEqual({ fromMs: NOW - 1999 * 10_000, toMs: NOW, bucket: '10s', bucketMs: 10_000 });
    expect(ctrWindow(parse({ bucket: '30s' }), NOW).fromMs).toBe(NOW - 1999 * 30_000);
    expect(ctrWindow(parse({ bucket: '1m' }), NOW).fromMs).toBe(NOW - DEFAULT_CTR_RANGE_MS);
  });

  it('takes epoch milliseconds or ISO-8601 for from and to, and every bucket size offered', () => {
    expect(parse({ from: '1718409600000', to: '2024-06-16T00:00:00Z', bucket: '5m' })).toEqual({ from: 1718409600000, to: Date.UTC(2024, 5, 16), bucket: '5m' });
    expect(parse({ from: '2024-06-15T02:00:00.250+02:00' }).from).toBe(Date.UTC(2024, 5, 15, 0, 0, 0, 250));
    expect(parse({ from: '2024-06-15' }).from).toBe(Date.UTC(2024, 5, 15));
    const sizes = { '10s': 10_000, '30s': 30_000, '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': HOUR, '6h': 6 * HOUR, '1d': 24 * HOUR };
    for (const [bucket, ms] of Object.entries(sizes)) expect(ctrWindow(parse({ bucket, from: String(NOW - HOUR) }), NOW).bucketMs).toBe(ms);
  });

  it('refuses values that are not instants or bucket sizes, and repeated parameters', () => {
    expect(refusal({ from: 'yesterday' })).toMatch(/^from: must be epoch milliseconds or an ISO-8601 date/);
    expect(refusal({ to: '17e11' })).toMatch(/^to: /);
    expect(refusal({ to: '-1' })).toMatch(/^to: /);
    expect(refusal({ from: '2024-13-45' })).toMatch(/^from: /);
    expect(refusal({ from: '12345' })).toMatch(/^from: must be within 1990\.\.2100/);
    expect(refusal({ from: ['1718409600000', '1718409600001'] })).toMatch(/^from: /);
    expect(refusal({ bucket: '2h' })).toBe('bucket: must be one of 10s, 30s, 1m, 5m, 15m, 1h, 6h, 1d');
    expect(refusal({ bucket: '10S' })).toMatch(/^bucket: /);
    expect(refusal({ bucket: '1H' })).toMatch(/^bucket: /);
  });

  it('refuses a range whose from is not before its to', () => {
    const same = windowRefusal(parse({ from: '1718409600000', to: '1718409600000' }));
    expect([same.status, same.code]).toEqual([400, 'invalid_request']);
    expect(same.message).toMatch(/from .* must be before to/);
    expect(windowRefusal(parse({ from: '2024-06-16T00:00:00Z', to: '2024-06-15T00:00:00Z' })).status).toBe(400);
    // a from after now, without a to, is a reversed range as well
    expect(windowRefusal(parse({ from: String(NOW + 1) })).status).toBe(400);
  });

  it('allows at most 2,000 buckets, counted as the epoch-aligned buckets the range touches', () => {
    const aligned = Date.UTC(2024, 0, 1);
    expect(ctrWindow(parse({ from: String(aligned), to: String(aligned + MAX_CTR_BUCKETS * HOUR) }), NOW).bucketMs).toBe(HOUR);
    const over = windowRefusal(parse({ from: String(aligned), to: String(aligned + MAX_CTR_BUCKETS * HOUR + 1) }));
    expect([over.status, over.code]).toEqual([400, 'invalid_request']);
    expect(over.message).toContain('2001 buckets of 1h');
    // the same length starting mid-bucket touches one bucket more
    expect(windowRefusal(parse({ from: String(aligned + 1), to: String(aligned + 1 + MAX_CTR_BUCKETS * HOUR) })).message).toContain('2001 buckets');
    // a week in 5-minute buckets is 2,016 of them; in 15-minute ones it is fine
    expect(windowRefusal(parse({ from: '2024-06-01T00:00:00Z', to: '2024-06-08T00:00:00Z', bucket: '5m' })).status).toBe(400);
    expect(ctrWindow(parse({ from: '2024-06-01T00:00:00Z', to: '2024-06-08T00:00:00Z', bucket: '15m' }), NOW).bucket).toBe('15m');
    // the dashboard's ranges: 30 minutes in 10 s buckets, 3 hours in minutes; 6 hours of 10 s buckets is too many
    expect(ctrWindow(parse({ from: String(NOW - 30 * 60_000), bucket: '10s' }), NOW)).toMatchObject({ bucketMs: 10_000 });
    expect(ctrWindow(parse({ from: String(NOW - 3 * HOUR), bucket: '1m' }), NOW)).toMatchObject({ bucketMs: 60_000 });
    expect(windowRefusal(parse({ from: String(NOW - 6 * HOUR), bucket: '10s' })).message).toContain('buckets of 10s');
  });
});
