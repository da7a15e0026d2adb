/*
 * The recsys dashboard: polls /v1/stats/overview, /v1/stats/ctr and /metrics every few seconds and draws them with
 * uPlot. Plain JavaScript, no build step. The admin token asked for by the activate dialog lives in one variable of
 * this closure only: never in storage, cookies or the URL.
 */
(function () {
  'use strict';

  var REFRESH_MS = 5000;
  /** The range selector: how far back, and the CTR bucket for it. */
  var RANGES = {
    '30m': { ms: 30 * 60e3, bucket: '10s', bucketMs: 10e3 },
    '3h': { ms: 3 * 3600e3, bucket: '1m', bucketMs: 60e3 },
    '24h': { ms: 24 * 3600e3, bucket: '15m', bucketMs: 900e3 },
    '7d': { ms: 7 * 86400e3, bucket: '1h', bucketMs: 3600e3 },
  };
  /** Points kept for the charts drawn from successive scrapes (an hour at the refresh rate). */
  var MAX_SAMPLES = 720;
  var PALETTE = ['#1f6feb', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0b7285', '#c2255c', '#5c940d', '#364fc7', '#862e9c', '#a61e4d', '#087f5b'];

  var state = {
    range: '30m',
    overview: null,
    ctr: null,
    window: null,
    modelsKey: '',
    jobsKey: '',
    /** The admin token, once given (cleared when the API refuses it). */
    token: '',
    pending: null,
    expectActive: null,
    lastMetrics: null,
    lastIngest: null,
    requests: { t: [], rate: [], p50: [], p99: [] },
    ingest: { t: [], rate: [], lag: [] },
  };
  var charts = {};
  /** What the CTR chart shows now (its hooks outlive one refresh's data). */
  var ctrView = { versions: [], byVersion: {}, xs: [] };
  var noticeTimer = null;
  var noticeSeq = 0;

  var $ = function (id) {
    return document.getElementById(id);
  };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'className') e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  function naturalCompare(a, b) {
    var va = /^v(\d+)$/.exec(a);
    var vb = /^v(\d+)$/.exec(b);
    if (va && vb) return Number(va[1]) - Number(vb[1]);
    if (va) return -1;
    if (vb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function colorOf(version) {
    var m = /(\d+)$/.exec(version);
    var n = 0;
    if (m) n = Number(m[1]);
    else for (var i = 0; i < version.length; i++) n = (n * 31 + version.charCodeAt(i)) >>> 0;
    var c = PALETTE[n % PALETTE.length];
    // the fallbacks and cold-start blends are drawn lighter than the models themselves
    return /^(fallback|cold-start):/.test(version) ? c + '99' : c;
  }

  function alpha(color, a) {
    var hex = color.slice(1, 7);
    var r = parseInt(hex.slice(0, 2), 16);
    var g = parseInt(hex.slice(2, 4), 16);
    var b = parseInt(hex.slice(4, 6), 16);
    return 'rgba(' + r + ',' + g + ',' + b + ',' + a + ')';
  }

  function pct(x) {
    if (x === null || x === undefined || isNaN(x)) return '–';
    return (x * 100).toFixed(x < 0.1 ? 2 : 1) + ' %';
  }

  function fixed(x, digits) {
    return typeof x === 'number' && isFinite(x) ? x.toFixed(digits) : '–';
  }

  function count(x) {
    return typeof x === 'number' && isFinite(x) ? x.toLocaleString('en-US') : '–';
  }

  function when(iso) {
    if (!iso) return '–';
    var d = new Date(iso);
    var sameDay = new Date().toDateString() === d.toDateString();
    return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
  }

  function notice(kind, text) {
    var n = $('notice');
    n.textContent = text;
    n.className = 'notice ' + kind;
    n.setAttribute('data-kind', kind);
    // a hook for tests and assistive tools: which notice this is, even when its text repeats
    n.setAttribute('data-seq', String(++noticeSeq));
    n.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () {
      n.hidden = true;
    }, 15000);
  }

  function setStatus(ok, text) {
    var s = $('status');
    s.textContent = text;
    s.className = ok ? 'status' : 'status offline';
  }

  async function getJson(url) {
    var res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) throw new Error(url + ': ' + res.status);
    return res.json();
  }

  // ---- charts ----

  function chartSize(div) {
    var w = Math.max(240, div.clientWidth || 300);
    return { width: w, height: w < 500 ? 200 : 240 };
  }

  /** Draws `data` into the chart `name`, creating it anew when its series (`key`) changed. */
  function plot(name, div, key, makeOpts, data) {
    var c = charts[name];
    if (c && c.key === key) {
      c.u.setData(data);
      return c.u;
    }
    if (c) c.u.destroy();
    var opts = makeOpts();
    var size = chartSize(div);
    opts.width = size.width;
    opts.height = size.height;
    opts.legend = { show: false };
    var u = new uPlot(opts, data, div);
    charts[name] = { u: u, key: key, div: div };
    return u;
  }

  /** The x range of the CTR charts: the range selected, as of the latest read (read on every redraw, so it moves). */
  function xRange() {
    return function () {
      var w = state.window;
      return [w.from / 1000, w.to / 1000];
    };
  }

  /** Vertical dashed lines at each activation within the visible range, labelled with the version. */
  function markerHook(div) {
    return function (u) {
      var acts = (state.overview && state.overview.activations) || [];
      var ctx = u.ctx;
      var px = uPlot.pxRatio || 1;
      var left = u.bbox.left;
      var right = u.bbox.left + u.bbox.width;
      var drawn = [];
      // labels of activations close together are stacked, not drawn over each other
      var lastLabelEnd = -Infinity;
      var row = 0;
      ctx.save();
      ctx.setLineDash([5 * px, 4 * px]);
      ctx.lineWidth = 1.5 * px;
      ctx.font = 11 * px + 'px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      for (var i = acts.length - 1; i >= 0; i--) {
        var a = acts[i];
        var x = u.valToPos(Date.parse(a.at) / 1000, 'x', true);
        if (!(x >= left && x <= right)) continue;
        drawn.push(a.version);
        ctx.strokeStyle = colorOf(a.version);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = colorOf(a.version);
        var label = a.version + (a.by === 'admin' ? ' (admin)' : '');
        var tw = ctx.measureText(label).width;
        var lx = x + 3 * px + tw > right ? x - 3 * px - tw : x + 3 * px;
        row = lx < lastLabelEnd + 4 * px ? (row + 1) % 4 : 0;
        lastLabelEnd = Math.max(lx + tw, row ? lastLabelEnd : -Infinity);
        ctx.fillText(label, lx, u.bbox.top + (2 + row * 13) * px);
      }
      ctx.restore();
      div.setAttribute('data-markers', drawn.join(','));
    };
  }

  function drawCtr() {
    var ctr = state.ctr;
    var w = state.window;
    if (!ctr || !w) return;
    var step = w.bucketMs;
    var start = Math.floor(w.from / step) * step;
    var xs = [];
    for (var t = start; t < w.to; t += step) xs.push(t / 1000);
    var index = function (ms) {
      return Math.round((ms - start) / step);
    };
    var byVersion = {};
    var imp = xs.map(function () {
      return 0;
    });
    var clk = imp.slice();
    ctr.series.forEach(function (p) {
      var i = index(Date.parse(p.bucketStart));
      if (i < 0 || i >= xs.length) return;
      var s = byVersion[p.modelVersion];
      if (!s) {
        s = byVersion[p.modelVersion] = { ctr: xs.map(nul), low: xs.map(nul), high: xs.map(nul), n: xs.map(nul), points: 0 };
      }
      // a bucket without impressions has no rate to draw, only clicks to count
      if (p.impressions > 0) {
        s.ctr[i] = p.ctr;
        s.low[i] = p.ctrLow;
        s.high[i] = p.ctrHigh;
        s.n[i] = p.impressions;
        s.points++;
      }
      imp[i] += p.impressions;
      clk[i] += p.clicks;
    });
    var versions = Object.keys(byVersion)
      .filter(function (v) {
        return byVersion[v].points > 0;
      })
      .sort(naturalCompare);
    var div = $('ctr-chart');
    var data = [xs];
    versions.forEach(function (v) {
      data.push(byVersion[v].ctr, byVersion[v].high, byVersion[v].low);
    });
    // every answer of the bucket, whichever version gave it: the rate a shop sees as versions take over
    data.push(
      imp.map(function (n, i) {
        return n > 0 ? Math.min(1, clk[i] / n) : null;
      }),
    );
    var key = state.range + '|' + versions.join(',');
    ctrView = { versions: versions, byVersion: byVersion, xs: xs };
    plot(
      'ctr',
      div,
      key,
      function () {
        var series = [{}];
        var bands = [];
        versions.forEach(function (v, k) {
          var color = colorOf(v);
          series.push({ label: v, stroke: color, width: 2, spanGaps: false, points: { show: true, size: 5, fill: color } });
          series.push({ label: v + ' 95% high', stroke: 'transparent', width: 0, points: { show: false } });
          series.push({ label: v + ' 95% low', stroke: 'transparent', width: 0, points: { show: false } });
          bands.push({ series: [1 + 3 * k + 1, 1 + 3 * k + 2], fill: alpha(color.slice(0, 7), 0.14) });
        });
        series.push({ label: 'all answers', stroke: '#111827', width: 2, dash: [6, 4], spanGaps: false, points: { show: false } });
        return {
          series: series,
          bands: bands,
          scales: {
            x: { time: true, auto: false, range: xRange() },
            y: {
              auto: true,
              range: function (u, min, max) {
                return [0, Math.min(1, Math.max(0.05, (max || 0) * 1.1))];
              },
            },
          },
          axes: [
            {},
            {
              size: 56,
              values: function (u, vals) {
                return vals.map(function (v) {
                  return (v * 100).toFixed(v < 0.1 ? 1 : 0) + '%';
                });
              },
            },
          ],
          hooks: {
            draw: [
              markerHook(div),
              function () {
                div.setAttribute('data-versions', versions.join(','));
              },
            ],
            setCursor: [
              function (u) {
                readout(u.cursor.idx, ctrView.versions, ctrView.byVersion, ctrView.xs);
              },
            ],
          },
        };
      },
      data,
    );
    readout(null, versions, byVersion, xs);
    drawVolume(xs, imp, clk);
  }

  function nul() {
    return null;
  }

  /** Below the CTR chart: each version's rate and 95% interval in the bucket under the cursor (the latest without one). */
  function readout(idx, versions, byVersion, xs) {
    var r = $('ctr-readout');
    r.textContent = '';
    if (!versions.length) {
      r.appendChild(el('span', { text: 'No attributed impressions in this range yet.' }));
      return;
    }
    versions.forEach(function (v) {
      var s = byVersion[v];
      var i = idx;
      if (i === null || i === undefined || i < 0) {
        for (i = s.ctr.length - 1; i > 0 && s.ctr[i] === null; i--);
      }
      var text = s.ctr[i] === null ? v + ' –' : v + ' ' + pct(s.ctr[i]) + ' [' + pct(s.low[i]) + ' – ' + pct(s.high[i]) + '] of ' + count(s.n[i]);
      var sw = el('span', { className: 'swatch' });
      sw.style.background = colorOf(v);
      r.appendChild(el('span', { 'data-version': v }, [sw, text]));
    });
    if (idx !== null && idx !== undefined && idx >= 0 && xs[idx]) r.appendChild(el('span', { text: '@ ' + new Date(xs[idx] * 1000).toLocaleTimeString() }));
  }

  function drawVolume(xs, imp, clk) {
    var div = $('volume-chart');
    plot(
      'volume',
      div,
      state.range,
      function () {
        return {
          series: [
            {},
            { label: 'impressions', stroke: '#1f6feb', fill: 'rgba(31,111,235,0.10)', width: 2 },
            { label: 'clicks', stroke: '#d9480f', fill: 'rgba(217,72,15,0.12)', width: 2 },
          ],
          scales: { x: { time: true, auto: false, range: xRange() } },
          axes: [{}, { size: 56 }],
          hooks: { draw: [markerHook(div)] },
        };
      },
      [xs, imp, clk],
    );
  }

  function drawLatency() {
    var s = state.requests;
    if (!s.t.length) return;
    plot(
      'latency',
      $('latency-chart'),
      'latency',
      function () {
        return {
          series: [
            {},
            { label: 'requests/s', stroke: '#1f6feb', width: 2, scale: 'rate' },
            { label: 'p50 ms', stroke: '#2b8a3e', width: 2, scale: 'ms' },
            { label: 'p99 ms', stroke: '#c62828', width: 2, scale: 'ms' },
          ],
          scales: { x: { time: true }, rate: { range: zeroUp }, ms: { range: zeroUp } },
          axes: [{}, { scale: 'rate', size: 50, label: 'req/s' }, { scale: 'ms', side: 1, size: 50, label: 'ms', grid: { show: false } }],
        };
      },
      [s.t, s.rate, s.p50, s.p99],
    );
  }

  function drawIngest() {
    var s = state.ingest;
    if (!s.t.length) return;
    plot(
      'ingest',
      $('ingest-chart'),
      'ingest',
      function () {
        return {
          series: [{}, { label: 'stored/s', stroke: '#2b8a3e', width: 2, scale: 'rate' }, { label: 'lag', stroke: '#e67700', width: 2, scale: 'lag' }],
          scales: { x: { time: true }, rate: { range: zeroUp }, lag: { range: zeroUp } },
          axes: [{}, { scale: 'rate', size: 50, label: 'events/s' }, { scale: 'lag', side: 1, size: 50, label: 'lag', grid: { show: false } }],
        };
      },
      [s.t, s.rate, s.lag],
    );
  }

  function zeroUp(u, min, max) {
    return [0, Math.max(1, (max || 0) * 1.15)];
  }

  function push(series, values) {
    Object.keys(values).forEach(function (k) {
      series[k].push(values[k]);
      if (series[k].length > MAX_SAMPLES) series[k].shift();
    });
  }

  // ---- tables ----

  function activeVersion() {
    var e = state.expectActive;
    if (e && Date.now() < e.until) return e.version;
    return state.overview ? state.overview.activeVersion : null;
  }

  function renderOverview() {
    var ov = state.overview;
    if (!ov) return;
    var active = activeVersion();
    $('active-version').textContent = active || 'none (fallback)';
    if (ov.ingest) {
      $('fact-interactions').textContent = count(ov.ingest.interactions);
      $('fact-lag').textContent = ov.ingest.lagMessages === null ? 'unknown' : count(ov.ingest.lagMessages);
      $('fact-dead').textContent = count(ov.ingest.deadLettered);
    }
    var modelsKey = active + JSON.stringify(ov.models);
    if (modelsKey !== state.modelsKey) {
      state.modelsKey = modelsKey;
      renderModels(ov.models, active);
    }
    var jobsKey = JSON.stringify(ov.training);
    if (jobsKey !== state.jobsKey) {
      state.jobsKey = jobsKey;
      renderJobs(ov.training);
    }
  }

  function badge(text, kind) {
    return el('span', { className: 'badge ' + (kind || text), text: text });
  }

  function renderModels(models, active) {
    var body = $('models');
    body.textContent = '';
    if (!models.length) body.appendChild(el('tr', {}, [el('td', { colspan: '11', text: 'No model yet: the API serves the popular and trending fallbacks.' })]));
    models.forEach(function (m) {
      var isActive = m.version === active;
      var gate = m.gate;
      var why = gate ? gate.reason + (gate.against && gate.against.version ? ' (against ' + gate.against.version + ', NDCG ' + fixed(gate.baselineNdcg, 4) + ')' : gate.against ? ' (against ' + gate.against.kind + ')' : '') : '';
      var action = null;
      if (!isActive && m.status !== 'retired') {
        action = el('button', { type: 'button', 'data-testid': 'activate-' + m.version, 'data-version': m.version, text: m.status === 'rejected' ? 'activate…' : 'activate' });
        action.addEventListener('click', function () {
          openDialog(m);
        });
      }
      var row = el(
        'tr',
        { 'data-testid': 'model-row-' + m.version, 'data-status': isActive ? 'active' : m.status, className: isActive ? 'active' : '' },
        [
          el('td', {}, [el('strong', { text: m.version })]),
          el('td', {}, [badge(isActive ? 'active' : m.status)]),
          el('td', { text: m.kind }),
          el('td', { text: m.parentVersion || '–' }),
          el('td', { text: when(m.createdAt) }),
          el('td', { className: 'num', text: fixed(m.heldOut.ndcg, 4) }),
          el('td', { className: 'num', text: fixed(m.heldOut.hr, 4) }),
          el('td', { className: 'num', text: count(m.heldOut.samples) }),
          el('td', {}, [gate ? badge(gate.decision) : '–']),
          el('td', { className: 'why', text: why || (m.status === 'active' || m.status === 'candidate' ? '' : '–') }),
          el('td', {}, [action]),
        ],
      );
      body.appendChild(row);
    });
  }

  function renderJobs(jobs) {
    var body = $('jobs');
    body.textContent = '';
    if (!jobs.length) body.appendChild(el('tr', {}, [el('td', { colspan: '8', text: 'No training run yet.' })]));
    jobs.forEach(function (j) {
      body.appendChild(
        el('tr', { 'data-testid': 'job-row' }, [
          el('td', { text: j.jobId }),
          el('td', {}, [badge(j.state === 'active' ? 'running ' + Math.round(j.progress * 100) + '%' : j.state, j.state)]),
          el('td', { text: j.mode || '–' }),
          el('td', { text: j.triggeredBy || '–' }),
          el('td', { text: when(j.createdAt) }),
          el('td', {}, [j.outcome ? badge(j.outcome) : '–']),
          el('td', { text: j.modelVersion || '–' }),
          el('td', { className: 'why', text: j.reason || '' }),
        ]),
      );
    });
  }

  // ---- activation (rollback or forward) ----

  function openDialog(m) {
    state.pending = m;
    var rejected = m.status === 'rejected';
    $('activate-title').textContent = 'Activate ' + m.version;
    $('activate-text').textContent =
      'Every API process serves ' + m.version + ' within seconds, instead of ' + (activeVersion() || 'the fallback') + '.';
    $('force-row').hidden = !rejected;
    $('force').checked = false;
    $('force-text').textContent = rejected ? 'The gate rejected ' + m.version + (m.gate ? ': ' + m.gate.reason : '') + '. Activate it anyway (force).' : '';
    $('token').value = state.token;
    $('activate-dialog').showModal();
    $('token').focus();
  }

  function closeDialog() {
    var d = $('activate-dialog');
    if (d.open) d.close();
    $('token').value = '';
  }

  function cancelled() {
    var m = state.pending;
    state.pending = null;
    closeDialog();
    if (m) notice('refused', 'Not activated: cancelled. ' + (activeVersion() || 'The fallback') + ' stays active.');
  }

  async function confirmed() {
    var m = state.pending;
    if (!m) return;
    var token = $('token').value.trim();
    var force = m.status === 'rejected';
    if (force && !$('force').checked) {
      state.pending = null;
      closeDialog();
      notice('refused', 'Not activated: the gate rejected ' + m.version + '; tick "activate anyway" to force it. ' + (activeVersion() || 'The fallback') + ' stays active.');
      return;
    }
    state.pending = null;
    closeDialog();
    var before = activeVersion();
    var headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    var res;
    var body = null;
    try {
      res = await fetch('/v1/admin/models/' + encodeURIComponent(m.version) + '/activate', {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(force ? { force: true } : {}),
        cache: 'no-store',
        credentials: 'omit',
      });
      body = await res.json().catch(function () {
        return null;
      });
    } catch (e) {
      notice('error', 'Not activated: the API could not be reached (' + e.message + ').');
      return;
    }
    var message = body && body.error ? sentence(body.error.message) : '';
    if (res.ok) {
      state.token = token;
      state.expectActive = { version: m.version, until: Date.now() + 8000 };
      notice('ok', m.version + ' is active' + (body && body.previous ? ' (was ' + body.previous + ')' : '') + '.');
      state.modelsKey = '';
      renderOverview();
      refreshSoon();
    } else if (res.status === 401 || res.status === 403) {
      state.token = '';
      notice('refused', 'Refused (' + res.status + (res.status === 401 ? ', no token' : ', wrong token') + '): ' + message + ' ' + (before || 'The fallback') + ' stays active.');
    } else {
      notice('error', 'Not activated (' + res.status + '): ' + (message || 'no answer') + ' ' + (before || 'The fallback') + ' stays active.');
    }
  }

  function sentence(text) {
    return /[.!?]$/.test(text) ? text : text + '.';
  }

  // ---- polling ----

  async function loadOverview() {
    var ov = await getJson('/v1/stats/overview');
    var e = state.expectActive;
    if (e && ov.activeVersion === e.version) state.expectActive = null;
    state.overview = ov;
    if (ov.ingest) {
      var t = Date.parse(ov.serverTime);
      var last = state.lastIngest;
      if (last && t > last.t) {
        var rate = Math.max(0, (ov.ingest.interactions - last.interactions) / ((t - last.t) / 1000));
        push(state.ingest, { t: t / 1000, rate: rate, lag: ov.ingest.lagMessages });
        $('fact-ingest-rate').textContent = rate.toFixed(1) + '/s';
      }
      if (!last || t > last.t) state.lastIngest = { t: t, interactions: ov.ingest.interactions };
    }
    renderOverview();
  }

  async function loadCtr() {
    var r = RANGES[state.range];
    var to = Date.now();
    var from = to - r.ms;
    var ctr = await getJson('/v1/stats/ctr?from=' + from + '&to=' + to + '&bucket=' + r.bucket);
    state.window = { from: from, to: to, bucketMs: r.bucketMs };
    state.ctr = ctr;
  }

  async function scrapeMetrics() {
    var res = await fetch('/metrics', { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) throw new Error('/metrics: ' + res.status);
    var text = await res.text();
    var now = Date.now();
    var cur = PromMetrics.requestHistogram(text);
    var last = state.lastMetrics;
    state.lastMetrics = { t: now, hist: cur };
    if (!last) return;
    var w = PromMetrics.requestWindow(last.hist, cur, (now - last.t) / 1000);
    if (!w) return;
    push(state.requests, { t: now / 1000, rate: w.rate, p50: w.p50 === null ? null : w.p50 * 1000, p99: w.p99 === null ? null : w.p99 * 1000 });
  }

  var running = false;
  var timer = null;

  async function refresh() {
    if (running) return;
    running = true;
    clearTimeout(timer);
    try {
      var results = await Promise.allSettled([loadOverview(), loadCtr(), scrapeMetrics()]);
      drawCtr();
      drawLatency();
      drawIngest();
      var failed = results.filter(function (r) {
        return r.status === 'rejected';
      });
      if (failed.length) setStatus(false, 'partly offline: ' + failed.map(function (r) {
        return r.reason && r.reason.message;
      }).join('; '));
      else setStatus(true, 'updated ' + new Date().toLocaleTimeString());
    } finally {
      running = false;
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  function refreshSoon() {
    // the overview is shared by every caller for 2 s: read it again once that has passed
    clearTimeout(timer);
    timer = setTimeout(refresh, 2500);
  }

  function resize() {
    Object.keys(charts).forEach(function (name) {
      var c = charts[name];
      c.u.setSize(chartSize(c.div));
    });
  }

  function start() {
    var fromUrl = new URLSearchParams(location.search).get('range');
    if (fromUrl && RANGES[fromUrl]) state.range = fromUrl;
    $('range').value = state.range;
    $('range').addEventListener('change', function (e) {
      state.range = e.target.value;
      refresh();
    });
    $('activate-cancel').addEventListener('click', cancelled);
    $('activate-confirm').addEventListener('click', confirmed);
    $('activate-dialog').addEventListener('cancel', function (e) {
      e.preventDefault();
      cancelled();
    });
    $('token').addEventListener('keydown', function (e) {
      if (e.key === 'Enter') {
        e.preventDefault();
        confirmed();
      }
    });
    var resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(resize, 150);
    });
    refresh();
  }

  start();
})();
