/*
 * Request rate and latency quantiles from successive scrapes of a Prometheus text endpoint: parses the text format,
 * sums a histogram over the label sets a filter keeps, takes the difference of two scrapes and estimates quantiles
 * from the bucket differences as Prometheus' histogram_quantile does (linear within a bucket). Plain JavaScript in a
 * UMD wrapper: the dashboard loads it as a script (window.PromMetrics), the unit tests with require().
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.PromMetrics = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  /** The histogram of the API's request durations, and the routes of the dashboard's own polling (not counted). */
  var REQUEST_HISTOGRAM = 'recsys_http_request_duration_seconds';
  var OWN_ROUTES = ['/metrics', '/v1/stats/overview', '/v1/stats/ctr'];

  function parseValue(s) {
    if (s === '+Inf' || s === 'Inf') return Infinity;
    if (s === '-Inf') return -Infinity;
    if (s === 'NaN') return NaN;
    var n = Number(s);
    return s === '' ? NaN : n;
  }

  /** Every sample line of a Prometheus text exposition: `{ name, labels, value }` (comments and blank lines skipped). */
  function parseSamples(text) {
    var out = [];
    var lines = String(text).split('\n');
    for (var li = 0; li < lines.length; li++) {
      var line = lines[li].trim();
      if (!line || line.charAt(0) === '#') continue;
      var i = 0;
      while (i < line.length && line.charAt(i) !== '{' && line.charAt(i) !== ' ' && line.charAt(i) !== '\t') i++;
      var name = line.slice(0, i);
      var labels = {};
      if (line.charAt(i) === '{') {
        i++;
        for (;;) {
          while (line.charAt(i) === ' ' || line.charAt(i) === ',') i++;
          if (i >= line.length) break;
          if (line.charAt(i) === '}') {
            i++;
            break;
          }
          var eq = line.indexOf('=', i);
          if (eq < 0) break;
          var key = line.slice(i, eq).trim();
          i = eq + 1;
          if (line.charAt(i) !== '"') break;
          i++;
          var value = '';
          while (i < line.length && line.charAt(i) !== '"') {
            var c = line.charAt(i);
            if (c === '\\' && i + 1 < line.length) {
              var next = line.charAt(i + 1);
              value += next === 'n' ? '\n' : next;
              i += 2;
            } else {
              value += c;
              i++;
            }
          }
          i++;
          labels[key] = value;
        }
      }
      var rest = line.slice(i).trim().split(/\s+/);
      if (!name || !rest[0]) continue;
      out.push({ name: name, labels: labels, value: parseValue(rest[0]) });
    }
    return out;
  }

  /** Whether a route label is one of the dashboard's own requests (its page, assets and polling). */
  function isOwnRoute(route) {
    return OWN_ROUTES.indexOf(route) >= 0 || route === '/dashboard' || route.indexOf('/dashboard/') === 0;
  }

  /**
   * One histogram summed over the label sets `keep(labels)` accepts (default: every one): `{ buckets: [{ le, count }]
   * (ascending, cumulative, +Inf last), count, sum }`.
   */
  function histogram(samples, metric, keep) {
    var byLe = {};
    var count = 0;
    var sum = 0;
    for (var i = 0; i < samples.length; i++) {
      var s = samples[i];
      if (keep && !keep(s.labels)) continue;
      if (s.name === metric + '_bucket') {
        var le = parseValue(s.labels.le);
        if (isNaN(le)) continue;
        byLe[le] = (byLe[le] || 0) + s.value;
      } else if (s.name === metric + '_count') count += s.value;
      else if (s.name === metric + '_sum') sum += s.value;
    }
    var buckets = Object.keys(byLe)
      .map(function (k) {
        return { le: Number(k), count: byLe[k] };
      })
      .sort(function (a, b) {
        return a.le - b.le;
      });
    return { buckets: buckets, count: count, sum: sum };
  }

  /** `cur - prev`, bucket by bucket; null when a count went down (a process restarted: its counters began again). */
  function histogramDelta(prev, cur) {
    if (!prev || !cur) return null;
    var before = {};
    for (var i = 0; i < prev.buckets.length; i++) before[prev.buckets[i].le] = prev.buckets[i].count;
    var buckets = [];
    for (var j = 0; j < cur.buckets.length; j++) {
      var b = cur.buckets[j];
      var d = b.count - (before[b.le] || 0);
      if (d < 0) return null;
      buckets.push({ le: b.le, count: d });
    }
    var count = cur.count - prev.count;
    if (count < 0) return null;
    return { buckets: buckets, count: count, sum: cur.sum - prev.sum };
  }

  /**
   * The q-quantile (0..1) of a histogram's cumulative buckets, interpolated linearly inside the bucket it falls in (the
   * first bucket from 0); in the +Inf bucket, the highest finite bound. Null without observations.
   */
  function histogramQuantile(q, buckets) {
    if (!buckets || !buckets.length) return null;
    var total = buckets[buckets.length - 1].count;
    if (!(total > 0)) return null;
    var rank = q * total;
    var prevLe = 0;
    var prevCount = 0;
    for (var i = 0; i < buckets.length; i++) {
      var b = buckets[i];
      if (b.count >= rank && b.count > prevCount) {
        if (b.le === Infinity) return i > 0 ? buckets[i - 1].le : null;
        return prevLe + ((b.le - prevLe) * (rank - prevCount)) / (b.count - prevCount);
      }
      prevLe = b.le;
      prevCount = b.count;
    }
    return prevLe === Infinity ? (buckets.length > 1 ? buckets[buckets.length - 2].le : null) : prevLe;
  }

  /** The API's request histogram in one scrape, every route except the dashboard's own. */
  function requestHistogram(text) {
    return histogram(parseSamples(text), REQUEST_HISTOGRAM, function (labels) {
      return !isOwnRoute(labels.route || '');
    });
  }

  /**
   * Between two scrapes `seconds` apart (from {@link requestHistogram}): requests per second and the p50 and p99
   * durations in seconds (null without requests). Null when the counters were reset in between.
   */
  function requestWindow(prev, cur, seconds) {
    var d = histogramDelta(prev, cur);
    if (!d || !(seconds > 0)) return null;
    return { rate: d.count / seconds, p50: histogramQuantile(0.5, d.buckets), p99: histogramQuantile(0.99, d.buckets), requests: d.count };
  }

  return {
    REQUEST_HISTOGRAM: REQUEST_HISTOGRAM,
    parseSamples: parseSamples,
    isOwnRoute: isOwnRoute,
    histogram: histogram,
    histogramDelta: histogramDelta,
    histogramQuantile: histogramQuantile,
    requestHistogram: requestHistogram,
    requestWindow: requestWindow,
  };
});
