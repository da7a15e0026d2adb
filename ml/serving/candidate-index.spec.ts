/** The IVF candidate index on clustered vectors (seeded), against the exact scan. */
import { Rng } from '../core/rng';
import { TopKHeap } from '../core/vectors';
import { buildCandidateIndex, CandidateIndex } from './candidate-index';
import { VectorRows } from './vector-rows';

/** n vectors around `clusters` centres (width dim, the last coordinate a bias), and queries near the centres. */
function clustered(n: number, clusters: number, dim: number, seed: number): { vectors: Float32Array; queries: Float32Array[] } {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => rng.normal()));
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[rng.int(clusters)];
    for (let j = 0; j < dim - 1; j++) vectors[i * dim + j] = c[j] + 0.35 * rng.normal();
    vectors[i * dim + dim - 1] = 0.3 * rng.normal();
  }
  const queries = Array.from({ length: 100 }, () => {
    const c = centres[rng.int(clusters)];
    const q = new Float32Array(dim);
    for (let j = 0; j < dim - 1; j++) q[j] = c[j] + 0.5 * rng.normal();
    q[dim - 1] = 1;
    return q;
  });
  return { vectors, queries };
}

function exactTop(rows: VectorRows, q: Float32Array, k: number): number[] {
  const h = new TopKHeap(k);
  for (let i = 0; i < rows.count; i++) h.push(i, rows.dot(q, i));
  return h.result().map((r) => r.index);
}

function indexedTop(rows: VectorRows, index: CandidateIndex, q: Float32Array, k: number, nprobe: number): number[] {
  const h = new TopKHeap(k);
  index.scan(q, nprobe, (i) => h.push(i, rows.dot(q, i)));
  return h.result().map((r) => r.index);
}

describe('candidate index (IVF)', () => {
  const dim = 17;
  const { vectors, queries } = clustered(8000, 40, dim, 3);
  const rows = VectorRows.from(VectorRows.encode(vectors, dim, 'int8'));
  const state = buildCandidateIndex(vectors, dim, 8000, { seed: 5 });

  it('finds the exact top-10 of nearly every query while scanning a small share of the catalog', () => {
    const index = new CandidateIndex(state);
    expect(index.lists).toBe(45);
    let recall = 0;
    let scanned = 0;
    for (const q of queries) {
      const want = exactTop(rows, q, 10);
      const got = new Set(indexedTop(rows, index, q, 10, 8));
      recall += want.filter((i) => got.has(i)).length / 10;
      index.scan(q, 8, () => scanned++);
    }
    expect(recall / queries.length).toBeGreaterThanOrEqual(0.98);
    expect(scanned / queries.length).toBeLessThan(0.2 * 8000);
  });

  it('is built the same from the same vectors and seed', () => {
    const again = buildCandidateIndex(vectors, dim, 8000, { seed: 5 });
    expect(Array.from(again.members)).toEqual(Array.from(state.members));
    expect(Array.from(again.centroids)).toEqual(Array.from(state.centroids));
  });

  it('visits every item once, placed items and moved items included, and saves them', () => {
    const index = new CandidateIndex(buildCandidateIndex(vectors, dim, 8000, { seed: 5 }));
    const far = new Float32Array(dim).fill(0);
    // a new item at a cluster's place, then moved to another cluster's place, then back
    index.place(8000, vectors, 0);
    index.place(8000, vectors, 5 * dim);
    index.place(7, vectors, 9 * dim);
    index.place(7, vectors, 7 * dim);
    index.place(8000, vectors, 0);
    const visits = new Int32Array(8001);
    index.scan(far, index.lists, (i) => visits[i]++);
    expect(Array.from(visits).every((v) => v === 1)).toBe(true);
    const saved = index.snapshot();
    expect(saved.members.length).toBe(8001);
    const reloaded = new CandidateIndex(saved);
    const again = new Int32Array(8001);
    reloaded.scan(far, reloaded.lists, (i) => again[i]++);
    expect(Array.from(again).every((v) => v === 1)).toBe(true);
  });
});
