import { PopularBaseline } from './baselines';
import { EaseBaseline, easeModel, easeSpace } from './ease';
import { FeatureState } from '../features/state';
import { Rng } from '../core/rng';
import { generateShop, shopEvents } from '../sim/shop';

/** Gauss-Jordan inverse with partial pivoting (an independent check of the Cholesky route). */
function gaussJordanInverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

/** EASE as the paper writes it: P = (X^T X + lambda I)^-1, B = I - P diag(1 / diag P), diagonal zero. */
function literalB(rows: number[][], n: number, lambda: number): number[][] {
  const g = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? lambda : 0)));
  for (const r of rows) for (const a of r) for (const b of r) g[a][b] += 1;
  const p = gaussJordanInverse(g);
  return p.map((row, i) => row.map((v, j) => (i === j ? 0 : -v / p[j][j])));
}

/** The baseline's ranking written out: s(x) = sum_k B[p_k][x] / k over the last 30 distinct positives, s > 0, popular fill. */
class LiteralEase {
  private users = new Map<string, number[]>();
  private count = 0;
  private b: number[][] | null = null;
  private items: number[] = [];
  constructor(private readonly popular: PopularBaseline, private readonly lambda: number, private readonly every: number) {}

  add(user: string, item: number): void {
    const l = this.users.get(user) ?? [];
    if (!l.includes(item)) l.push(item);
    this.users.set(user, l);
    if (++this.count % this.every === 0) {
      this.items = Array.from(new Set(Array.from(this.users.values()).flat())).sort((a, b) => a - b);
      const local = new Map(this.items.map((g, i) => [g, i]));
      this.b = literalB(Array.from(this.users.values(), (r) => r.map((g) => local.get(g) as number)), this.items.length, this.lambda);
    }
  }

  /** s(x) of every item the model knows (empty before the first fit or when no recent item is known). */
  scores(recent: readonly number[]): Map<number, number> {
    const b = this.b;
    const hist = recent.slice(0, 30).map((g, r) => ({ l: this.items.indexOf(g), w: 1 / (r + 1) })).filter((h) => h.l >= 0);
    if (!b || hist.length === 0) return new Map();
    return new Map(this.items.map((g, x) => [g, hist.reduce((acc, h) => acc + h.w * b[h.l][x], 0)]));
  }

  top(recent: readonly number[], k: number, exclude: ReadonlySet<number>): number[] {
    const cand = Array.from(this.scores(recent), ([g, s]) => ({ g, s })).filter((c) => c.s > 0 && !exclude.has(c.g));
    cand.sort((a, c) => c.s - a.s || a.g - c.g);
    return this.popular.top(k, exclude, cand.slice(0, k).map((c) => c.g));
  }
}

function randomRows(users: number, items: number, perUser: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: users }, () => Array.from(new Set(Array.from({ length: perUser }, () => Math.min(items - 1, Math.floor(items * rng.next() ** 2))))));
}

describe('EASE baseline', () => {
  it('fits B = I - P diag(1/diag P) with a zero diagonal, the same through the items and the users (Woodbury) inverses', () => {
    const n = 40;
    const rows = randomRows(25, n, 8, 1);
    const lit = literalB(rows, n, 5);
    for (const space of ['items', 'users'] as const) {
      const b = easeModel(rows, n, 5, space);
      let worst = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(b[i * n + j] - lit[i][j]));
      expect(worst).toBeLessThan(1e-9);
      for (let i = 0; i < n; i++) expect(b[i * n + i]).toBe(0);
    }
    // 25 users, 40 items: the users' side is the cheaper inverse; 200 users: the items'
    expect(easeSpace(40, 25, 150)).toBe('users');
    expect(easeSpace(40, 200, 1200)).toBe('items');
  });

  it('refits every refitEvery positives on the items with a positive, skipping the refits no query can read', () => {
    const popular = new PopularBaseline();
    const ease = new EaseBaseline(popular, { refitEvery: 3, lambda: 1, firstQueryAt: 7 });
    const stream: [string, number][] = [['a', 5], ['b', 5], ['a', 9], ['c', 2], ['a', 5], ['b', 9], ['c', 9], ['a', 2], ['b', 2]];
    for (const [u, i] of stream) ease.add(u, i);
    // at 3 positives the model would be replaced at 6 < 7 before any query: skipped; 6 and 9 run
    expect(ease.fits.map((f) => f.positives)).toEqual([6, 9]);
    expect(ease.fits[0]).toMatchObject({ items: 3, users: 3, nonZeros: 5 });
    expect(ease.fits[1]).toMatchObject({ items: 3, users: 3, nonZeros: 8 });
  });

  it('ranks by the recency-weighted rows of B, leaves seen items out, fills up from popular; popular before any fit', () => {
    const popular = new PopularBaseline();
    const ease = new EaseBaseline(popular, { refitEvery: 1000, lambda: 0.5 });
    for (const i of [7, 7, 7, 3, 3, 1, 2, 4]) popular.add(i);
    expect(ease.top([1], 3, new Set([1]))).toEqual([7, 3, 2]);
    // 1 and 2 go together, 3 and 4 go together
    for (let u = 0; u < 4; u++) {
      ease.add(`x${u}`, 1);
      ease.add(`x${u}`, 2);
      ease.add(`y${u}`, 3);
      ease.add(`y${u}`, 4);
    }
    ease.refit();
    expect(ease.top([1], 1, new Set([1]))).toEqual([2]);
    expect(ease.top([3], 1, new Set([3]))).toEqual([4]);
    // 2 is seen: only items with a positive score, then popular's order (7 is new to the model: the fill-up has it)
    expect(ease.top([1], 3, new Set([1, 2]))).toEqual([7, 3, 4]);
    // an item the model does not know reads as popular
    expect(ease.top([7], 2, new Set([7]))).toEqual([3, 1]);
  });

  it("gives the literal EASE top-10 lists on a synthetic shop stream", () => {
    const shop = generateShop({ seed: 5, categories: 6, itemsPerCategory: 10, users: 60, clicksPerUser: 15 });
    const features = new FeatureState();
    const popular = new PopularBaseline();
    const ease = new EaseBaseline(popular, { refitEvery: 150, lambda: 20, space: 'items' });
    const woodbury = new EaseBaseline(popular, { refitEvery: 150, lambda: 20, space: 'users' });
    const literal = new LiteralEase(popular, 20, 150);
    let compared = 0;
    let modelled = 0;
    let swapped = 0;
    let positions = 0;
    for (const e of shopEvents(shop)) {
      if (e.kind !== 'interaction') {
        features.apply(e);
        continue;
      }
      const seen = features.user(e.userId).positives;
      const idx = features.catalog.ensure(e.itemId);
      const recent = Array.from(features.recentFirst(e.userId, 30));
      const expected = literal.top(recent, 10, seen);
      // another inverse rounds otherwise: the lists may only swap items whose scores tie to 1e-9 (the shop has many ties)
      const scores = literal.scores(recent);
      for (const b of [ease, woodbury]) {
        const got = b.top(recent, 10, seen);
        expect(got.length).toBe(expected.length);
        positions += got.length;
        got.forEach((g, r) => {
          if (g !== expected[r]) {
            swapped++;
            expect(Math.abs((scores.get(g) ?? 0) - (scores.get(expected[r]) ?? 0))).toBeLessThan(1e-9);
          }
        });
      }
      compared++;
      if (ease.fits.length > 0) modelled++;
      popular.add(idx);
      ease.add(e.userId, idx);
      woodbury.add(e.userId, idx);
      literal.add(e.userId, idx);
      features.apply(e);
    }
    expect(compared).toBe(900);
    expect(modelled).toBe(750);
    expect(swapped).toBeLessThan(0.02 * positions);
    expect(ease.fits.map((f) => f.space)).toEqual(Array(6).fill('items'));
    expect(woodbury.fits.map((f) => f.space)).toEqual(Array(6).fill('users'));
  });
});
