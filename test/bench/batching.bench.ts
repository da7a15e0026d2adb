/**
 * `batching`: whether dynamic batching (scoring the requests that arrive within a short window as one matrix product)
 * can lower the scoring API's latency on this catalog, measured in one process on the 100k-item serving model the API
 * benches use. Three per-request costs, single-threaded, the same users:
 * - `indexedMs`: what the API does per request (`ServingModel.recommend`: the candidate index's lists plus the memory's
 *   successors, re-scored exactly);
 * - `exactMs`: one user's exact scan of every item (a matrix-vector product);
 * - `batchedExactMs`: the exact scan of B users at once (a matrix product over the item rows, each row read once for
 *   the B users), divided by B.
 * Batching pays where the per-request work is a scan of the whole catalog that a batch can share; it does not where
 * each request's candidates differ (the indexed path), and a batch window adds its own wait to every request. The
 * figures say which case this is; `arrivalsPerMs` is what a window of 1 ms would gather at 1,000 req/s.
 */
import { buildCatalogModels } from './support/catalog-model';
import { ServingModel } from '../../ml';

const USERS = 400;
const BATCH = [4, 16];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export async function run(): Promise<Record<string, unknown>> {
  const built = await buildCatalogModels({ versions: 1 });
  const model = ServingModel.load(built.versions[0].bytes);
  const vectors = model.itemVectors();
  const D = model.vectorDim;
  const n = model.size;
  const histories = new Map<string, string[]>();
  for (const e of built.shop.interactions) {
    const h = histories.get(e.userId) ?? [];
    h.unshift(e.itemId);
    if (h.length > 50) h.pop();
    histories.set(e.userId, h);
  }
  const users = built.users.slice(0, USERS);
  const ts = Date.now();
  const userVectors = users.map((u) => model.userVector(histories.get(u) ?? [], { ts, userId: u }));

  // warm up every path
  for (const u of users.slice(0, 50)) model.recommend(histories.get(u) ?? [], 10, { ts, userId: u });

  const indexed: number[] = [];
  for (const u of users) {
    const t = process.hrtime.bigint();
    model.recommend(histories.get(u) ?? [], 10, { ts, userId: u });
    indexed.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  const scores = new Float32Array(n);
  const exact: number[] = [];
  for (const u of userVectors.slice(0, 100)) {
    const t = process.hrtime.bigint();
    for (let i = 0, base = 0; i < n; i++, base += D) {
      let s = 0;
      for (let j = 0; j < D; j++) s += u[j] * vectors[base + j];
      scores[i] = s;
    }
    exact.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  const batched: Record<string, number> = {};
  for (const B of BATCH) {
    const out = Array.from({ length: B }, () => new Float32Array(n));
    const per: number[] = [];
    for (let start = 0; start + B <= 100; start += B) {
      const group = userVectors.slice(start, start + B);
      const t = process.hrtime.bigint();
      for (let i = 0, base = 0; i < n; i++, base += D) {
        for (let b = 0; b < B; b++) {
          const u = group[b];
          let s = 0;
          for (let j = 0; j < D; j++) s += u[j] * vectors[base + j];
          out[b][i] = s;
        }
      }
      per.push(Number(process.hrtime.bigint() - t) / 1e6 / B);
    }
    per.sort((a, b) => a - b);
    batched[`batch${B}`] = +percentile(per, 0.5).toFixed(3);
  }
  indexed.sort((a, b) => a - b);
  exact.sort((a, b) => a - b);
  const indexedP50 = percentile(indexed, 0.5);
  const bestBatched = Math.min(...Object.values(batched));
  return {
    items: n,
    dim: D,
    indexedMs: { p50: +indexedP50.toFixed(3), p99: +percentile(indexed, 0.99).toFixed(3) },
    exactMs: { p50: +percentile(exact, 0.5).toFixed(3) },
    batchedExactMs: batched,
    arrivalsPerMs: 1,
    // the decision the API follows: batch only where a batched request costs less than an indexed one
    batchingPays: bestBatched < indexedP50,
  };
}
