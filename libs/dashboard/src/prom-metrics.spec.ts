import { histogram, histogramDelta, histogramQuantile, isOwnRoute, parseSamples, requestHistogram, requestWindow } from './assets/prom-metrics';

/** A scrape of the API as prom-client writes it: the request histogram of some routes, and other metrics around it. */
function scrape(counts: Record<string, number[]>, extra = ''): string {
  const bounds = ['0.005', '0.01', '0.05', '0.1', '+Inf'];
  const lines = ['# HELP recsys_http_request_duration_seconds HTTP request duration', '# TYPE recsys_http_request_duration_seconds histogram'];
  for (const [route, cumulative] of Object.entries(counts)) {
    bounds.forEach((le, i) => lines.push(`recsys_http_request_duration_seconds_bucket{le="${le}",route="${route}",method="GET",status="200"} ${cumulative[i]}`));
    lines.push(`recsys_http_request_duration_seconds_sum{route="${route}",method="GET",status="200"} ${cumulative[4] * 0.01}`);
    lines.push(`recsys_http_request_duration_seconds_count{route="${route}",method="GET",status="200"} ${cumulative[4]}`);
  }
  return `${lines.join('\n')}\n# TYPE recsys_model_version_info gauge\nrecsys_model_version_info{version="v2"} 1\n${extra}`;
}

describe('request rate and latency from /metrics scrapes', () => {
  it('parses samples with labels, escaped label values, special values and timestamps', () => {
    const samples = parseSamples('# HELP x y\n\nup 1\nm{a="x\\"y",b="p\\\\q",c="l\\nm"} +Inf 1700000000000\nn{} NaN\nk -Inf\n');
    expect(samples).toEqual([
      { name: 'up', labels: {}, value: 1 },
      { name: 'm', labels: { a: 'x"y', b: 'p\\q', c: 'l\nm' }, value: Infinity },
      { name: 'n', labels: {}, value: NaN },
      { name: 'k', labels: {}, value: -Infinity },
    ]);
  });

  it('sums the histogram over routes, leaving out the dashboard\'s own requests', () => {
    const text = scrape({ '/v1/recommendations': [1, 2, 3, 4, 5], '/v1/rank': [0, 0, 1, 1, 1], '/metrics': [9, 9, 9, 9, 9], '/dashboard/assets/:name': [7, 7, 7, 7, 7], '/v1/stats/overview': [3, 3, 3, 3, 3] });
    expect(requestHistogram(text)).toEqual({
      buckets: [
        { le: 0.005, count: 1 },
        { le: 0.01, count: 2 },
        { le: 0.05, count: 4 },
        { le: 0.1, count: 5 },
        { le: Infinity, count: 6 },
      ],
      count: 6,
      sum: expect.closeTo(0.06, 9),
    });
    for (const own of ['/metrics', '/dashboard', '/dashboard/assets/:name', '/v1/stats/overview', '/v1/stats/ctr']) expect(isOwnRoute(own)).toBe(true);
    for (const other of ['/v1/recommendations', '/v1/admin/models/:version/activate', '/dashboards', 'unmatched']) expect(isOwnRoute(other)).toBe(false);
    expect(histogram(parseSamples(text), 'recsys_http_request_duration_seconds').count).toBe(6 + 9 + 7 + 3);
  });

  it('estimates quantiles by linear interpolation inside the bucket, as histogram_quantile does', () => {
    const buckets = [
      { le: 0.01, count: 50 },
      { le: 0.1, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01, 12);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.005, 12);
    // rank 70 of 100: halfway between 50 (at 0.01) and 90 (at 0.1)
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.055, 12);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.1 + 0.9 * 0.9, 12);
    // observations beyond the last finite bound: that bound is the best estimate
    expect(histogramQuantile(0.99, [{ le: 0.1, count: 1 }, { le: Infinity, count: 10 }])).toBe(0.1);
    expect(histogramQuantile(0.5, [{ le: 0.1, count: 0 }, { le: Infinity, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.5, [])).toBeNull();
  });

  it('between two scrapes: the requests per second and the p50/p99 of those requests only', () => {
    const before = requestHistogram(scrape({ '/v1/recommendations': [100, 100, 100, 100, 100] }));
    // 10 s later: 200 more requests, all between 10 and 50 ms (the earlier fast ones must not pull the quantiles down)
    const after = requestHistogram(scrape({ '/v1/recommendations': [100, 100, 300, 300, 300], '/metrics': [50, 50, 50, 50, 50] }));
    const w = requestWindow(before, after, 10);
    expect(w).toEqual({ rate: 20, requests: 200, p50: expect.closeTo(0.03, 12), p99: expect.closeTo(0.01 + 0.04 * 0.99, 12) });
    // a route that appears only in the later scrape counts from zero
    const newRoute = requestWindow(before, requestHistogram(scrape({ '/v1/recommendations': [100, 100, 100, 100, 100], '/v1/rank': [0, 5, 5, 5, 5] })), 5);
    expect(newRoute).toMatchObject({ rate: 1, requests: 5 });
    expect(newRoute?.p50).toBeCloseTo(0.0075, 12);
  });

  it('a scrape whose counts went down (a process restarted) gives no window, and no requests give no quantiles', () => {
    const high = requestHistogram(scrape({ '/v1/recommendations': [10, 20, 30, 40, 50] }));
    const low = requestHistogram(scrape({ '/v1/recommendations': [1, 2, 3, 4, 5] }));
    expect(histogramDelta(high, low)).toBeNull();
    expect(requestWindow(high, low, 5)).toBeNull();
    expect(requestWindow(null, high, 5)).toBeNull();
    expect(requestWindow(high, high, 5)).toEqual({ rate: 0, requests: 0, p50: null, p99: null });
    expect(requestWindow(low, high, 0)).toBeNull();
  });
});
