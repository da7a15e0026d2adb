/**
 * An open-loop HTTP load generator: request i is sent at t0 + i / rate whatever the earlier requests are doing, and its
 * latency counts from that scheduled time to the last byte of its answer, so a server (or generator) that falls behind
 * shows as latency, not as fewer requests (no coordinated omission). node:http with one keep-alive agent whose socket
 * limit is far above the in-flight count a healthy server needs, so the generator opens sockets rather than queues.
 * Latency figures are over the 2xx answers; non-2xx answers, network errors and timeouts are counted as errors.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request to send. */
export interface OpenLoopRequest {
  /** Default GET. */
  method?: string;
  /** Path and query, e.g. `/v1/recommendations?userId=u-1&k=10`. */
  path: string;
  /** A JSON body (sent with `content-type: application/json`). */
  body?: Buffer;
}

/** One answer (or failure), as seen by `onResponse`. */
export interface OpenLoopResponse {
  index: number;
  /** HTTP status; 0 for a network error or a timeout. */
  status: number;
  /** The answer's bytes (empty for a network error). */
  body: Buffer;
  /** performance.now() of the scheduled send and of the answer's last byte. */
  scheduledAt: number;
  doneAt: number;
}

export interface OpenLoopOptions {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** The i-th request (called at its send time: keep it cheap, e.g. pick from prepared requests). */
  request: (i: number) => OpenLoopRequest;
  /** Sees every answer, e.g. to count versions; its body is only collected when this is given. */
  onResponse?: (r: OpenLoopResponse) => void;
  /** Called with t0 (performance.now() of request 0's scheduled send) before the first request. */
  onStart?: (t0: number) => void;
  /** A request without its answer after this long is aborted and counted as an error. Default 10,000 ms. */
  timeoutMs?: number;
  /** The agent's socket limit. Default 2,048. */
  maxSockets?: number;
}

/** Latency figures in milliseconds. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface OpenLoopResult extends LatencySummary {
  targetRate: number;
  durationS: number;
  /** Requests sent. */
  count: number;
  /** 2xx answers per second, from t0 to the last answer. */
  achievedRate: number;
  /** Answers with a non-2xx status plus network errors and timeouts. */
  errors: number;
  non2xx: number;
  networkErrors: number;
  /** The first few distinct error descriptions. */
  errorSamples: string[];
  /** How late the generator sent requests after their scheduled time (its own event loop), ms. */
  sendLagP99: number;
  sendLagMax: number;
  /** The most requests in flight at once, and the sockets the agent opened. */
  maxInFlight: number;
  socketsOpened: number;
  /** The generator process's CPU time over the run, as a share of one core. */
  generatorCpuShare: number;
  /** Per request (by index): scheduled send (performance.now()) and latency in ms (NaN for an error). */
  scheduledAt: Float64Array;
  latencyMs: Float64Array;
}

/** Percentiles of latencies (NaN entries ignored), rounded to 0.01 ms. */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const ok = Float64Array.from(values).filter((v) => !Number.isNaN(v)).sort();
  const q = (p: number) => (ok.length ? round(ok[Math.min(ok.length - 1, Math.floor(p * ok.length))]) : Number.NaN);
  const mean = ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: ok.length ? round(ok[ok.length - 1]) : Number.NaN, mean: round(mean) };
}

/** Runs the load; resolves once every request has its answer, error or timeout. */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(o.url);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 2048, maxFreeSockets: o.maxSockets ?? 2048 });
  let socketsOpened = 0;
  const total = Math.max(1, Math.floor((o.rate * o.durationMs) / 1000));
  const interval = 1000 / o.rate;
  const scheduledAt = new Float64Array(total);
  const latencyMs = new Float64Array(total).fill(Number.NaN);
  const sendLag = new Float64Array(total);
  let non2xx = 0;
  let networkErrors = 0;
  const errorSamples = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  let finished = 0;
  let lastDone = 0;
  const noteError = (s: string) => {
    if (errorSamples.size < 5) errorSamples.add(s);
  };

  const cpu0 = process.cpuUsage();
  const t0 = performance.now() + 20;
  o.onStart?.(t0);

  await new Promise<void>((resolveAll) => {
    const settle = (i: number, status: number, body: Buffer, error?: string) => {
      const doneAt = performance.now();
      inFlight--;
      finished++;
      lastDone = Math.max(lastDone, doneAt);
      if (error !== undefined) {
        networkErrors++;
        noteError(error);
      } else if (status < 200 || status >= 300) {
        non2xx++;
        noteError(`HTTP ${status}: ${body.toString('utf8', 0, Math.min(body.length, 200))}`);
      } else latencyMs[i] = doneAt - scheduledAt[i];
      o.onResponse?.({ index: i, status: error === undefined ? status : 0, body, scheduledAt: scheduledAt[i], doneAt });
      if (finished === total) resolveAll();
    };
    const send = (i: number) => {
      const r = o.request(i);
      const headers: http.OutgoingHttpHeaders = r.body ? { 'content-type': 'application/json', 'content-length': r.body.length } : {};
      sendLag[i] = performance.now() - scheduledAt[i];
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      let done = false;
      const req = http.request({ agent, host: target.hostname, port: target.port, method: r.method ?? 'GET', path: r.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        if (o.onResponse || (res.statusCode ?? 0) >= 300) res.on('data', (c: Buffer) => chunks.push(c));
        else res.resume();
        res.on('end', () => {
          if (done) return;
          done = true;
          settle(i, res.statusCode ?? 0, Buffer.concat(chunks));
        });
        res.on('error', (err) => {
          if (done) return;
          done = true;
          settle(i, 0, Buffer.alloc(0), err.message);
        });
      });
      req.on('socket', () => {
        if (!req.reusedSocket) socketsOpened++;
      });
      // from the send, not from the socket's idleness: a request queued for a socket counts too
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (err) => {
        if (done) return;
        done = true;
        settle(i, 0, Buffer.alloc(0), err.message);
      });
      req.end(r.body);
    };
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) {
        scheduledAt[next] = t0 + next * interval;
        send(next++);
      }
      if (next < total) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });

  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  const lag = summarize(sendLag);
  const ok = total - non2xx - networkErrors;
  return {
    targetRate: o.rate,
    durationS: o.durationMs / 1000,
    count: total,
    achievedRate: round(ok / ((lastDone - t0) / 1000)),
    errors: non2xx + networkErrors,
    non2xx,
    networkErrors,
    errorSamples: [...errorSamples],
    ...summarize(latencyMs),
    sendLagP99: lag.p99,
    sendLagMax: lag.max,
    maxInFlight,
    socketsOpened,
    generatorCpuShare: round((cpu.user + cpu.system) / 1000 / wall),
    scheduledAt,
    latencyMs,
  };
}

/** The figures a bench line shows of one run (ms, rounded). */
export function briefFigures(r: OpenLoopResult): Record<string, unknown> {
  return {
    targetRate: r.targetRate,
    achievedRate: r.achievedRate,
    count: r.count,
    errors: r.errors,
    ...(r.errors ? { errorSamples: r.errorSamples } : {}),
    p50Ms: r.p50,
    p90Ms: r.p90,
    p99Ms: r.p99,
    maxMs: r.max,
    meanMs: r.mean,
    sendLagP99Ms: r.sendLagP99,
    maxInFlight: r.maxInFlight,
    socketsOpened: r.socketsOpened,
    generatorCpuShare: r.generatorCpuShare,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
