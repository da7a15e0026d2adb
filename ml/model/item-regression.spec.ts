import { easeModel } from '../eval/ease';
import { Rng } from '../core/rng';
import { ItemRegression } from './item-regression';
import { MemoryMixer, MIX_GAMMAS, TransitionMemory } from './transitions';

/** Users' distinct positives in order, fed to the regression as the learner feeds it (previous positives, most recent first). */
function feed(r: ItemRegression, users: number[][]): void {
  for (const items of users) for (let t = 0; t < items.length; t++) r.learn(items.slice(0, t).reverse(), items[t]);
}

/** Seeded users whose baskets mix items of one of three groups of `n` items, with overlaps. */
function users(n: number, count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const g = rng.int(3);
    const set = new Set<number>();
    const len = 3 + rng.int(6);
    while (set.size < len) set.add(rng.next() < 0.8 ? (g * n) / 3 + rng.int(n / 3) : rng.int(n));
    return Array.from(set);
  });
}

/** B[p][x] of the fit as a map, read through forEach with a one-item history. */
function row(r: ItemRegression, p: number): Map<number, number> {
  const m = new Map<number, number>();
  r.forEach([p], (x, v) => m.set(x, v));
  return m;
}

describe('ItemRegression', () => {
  const n = 30;
  const data = users(n, 80, 3);

  it('global route: B is EASE of the binary user x item matrix when the window spans every history', () => {
    const r = new ItemRegression({ route: 'global', window: 50, lambda: 5, neighbours: n, minPositives: 1 });
    feed(r, data);
    r.refit();
    const b = easeModel(data, n, 5, 'items');
    for (let p = 0; p < n; p++) {
      const got = row(r, p);
      for (let x = 0; x < n; x++) {
        const want = b[p * n + x];
        if (want > 0) expect(got.get(x)).toBeCloseTo(want, 5);
        else expect(got.has(x)).toBe(false);
      }
    }
  });

  it('local route: with room for every co-occurring item it is the global fit when all items co-occur', () => {
    // every user takes a shuffled half of 10 items, so every pair co-occurs somewhere
    const rng = new Rng(9);
    const dense = Array.from({ length: 60 }, () => {
      const all = Array.from({ length: 10 }, (_, i) => i);
      for (let i = all.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [all[i], all[j]] = [all[j], all[i]];
      }
      return all.slice(0, 5);
    });
    const global = new ItemRegression({ route: 'global', lambda: 3, neighbours: 10, minPositives: 1 });
    const local = new ItemRegression({ route: 'local', lambda: 3, neighbours: 10, localNeighbours: 10, minPositives: 1 });
    feed(global, dense);
    feed(local, dense);
    global.refit();
    local.refit();
    for (let p = 0; p < 10; p++) {
      const g = row(global, p);
      const l = row(local, p);
      expect(Array.from(l.keys()).sort()).toEqual(Array.from(g.keys()).sort());
      for (const [x, v] of g) expect(l.get(x)).toBeCloseTo(v, 5);
    }
  });

  it('raises lambda when the system is not numerically positive definite, each try from the counts', () => {
    // three items always taken together: each column's features have identical columns, singular at lambda ~ 0
    const r = new ItemRegression({ lambda: 1e-17, minPositives: 1 });
    feed(r, [[0, 1, 2], [1, 2, 0], [2, 0, 1]]);
    r.refit();
    const lambda = r.state().fitLambda;
    expect(lambda).toBeGreaterThan(1e-17);
    // the ridge solution of [[3 + l, 3], [3, 3 + l]] b = [3, 3]: b = 3 / (6 + l) for both features
    for (let x = 0; x < 3; x++) for (const [, v] of row(r, x)) expect(v).toBeCloseTo(3 / (6 + lambda), 5);
    expect(r.pairs).toBe(6);
  });

  it('scores r(x) = sum_k B[p_k][x] / k over the read window, and counts nothing for a repeat', () => {
    const r = new ItemRegression({ lambda: 5, readWindow: 2, minPositives: 1 });
    feed(r, data);
    r.refit();
    const hist = [data[0][2], data[0][1], data[0][0]];
    const b0 = row(r, hist[0]);
    const b1 = row(r, hist[1]);
    r.forEach(hist, (x, v) => expect(v).toBeCloseTo((b0.get(x) ?? 0) + (b1.get(x) ?? 0) / 2, 6));
    for (const x of new Set([...b0.keys(), ...b1.keys()])) expect(r.score(hist, x)).toBeCloseTo((b0.get(x) ?? 0) + (b1.get(x) ?? 0) / 2, 6);
    const before = JSON.stringify(Array.from(r.state().counts));
    r.learn([5, 7], 7);
    expect(JSON.stringify(Array.from(r.state().counts))).toBe(before);
  });

  it('refits only when due: the first fit after minPositives, then every refitEvery positives', () => {
    const r = new ItemRegression({ minPositives: 20, refitEvery: 50, freshEvery: 0 });
    const flat = data.flatMap((u) => u.map((x, t) => ({ hist: u.slice(0, t).reverse(), x })));
    let fits = 0;
    let seen = 0;
    for (const s of flat) {
      r.learn(s.hist, s.x);
      seen++;
      if (r.maybeRefit()) {
        fits++;
        expect(seen === 20 || (seen - 20) % 50 === 0).toBe(true);
      }
    }
    expect(fits).toBe(1 + Math.floor((flat.length - 20) / 50));
  });

  it('fresh columns: between full refits a step refits the columns of the items that got positives, as a full fit would', () => {
    const o = { lambda: 5, minPositives: 1, refitEvery: 1e9, neighbours: n };
    const fresh = new ItemRegression({ ...o, freshEvery: 10 });
    const stale = new ItemRegression(o);
    const first = data.slice(0, 50);
    feed(fresh, first);
    feed(stale, first);
    fresh.refit();
    stale.refit();
    const before = Array.from({ length: n }, (_, p) => row(stale, p));
    // the next users, fed as the learner feeds a step: a refit is due once 10 positives were counted since the fit
    const next = data.slice(50, 53);
    let counted = 0;
    const got = new Set<number>();
    for (const items of next) {
      for (let t = 0; t < items.length; t++) {
        fresh.learn(items.slice(0, t).reverse(), items[t]);
        stale.learn(items.slice(0, t).reverse(), items[t]);
        got.add(items[t]);
        counted++;
      }
    }
    expect(counted).toBeGreaterThanOrEqual(10);
    expect(stale.maybeRefit()).toBeNull();
    const fit = fresh.maybeRefit();
    expect(fit?.items).toBe(got.size);
    expect(fresh.freshRefits).toBe(1);
    expect(fresh.maybeRefit()).toBeNull();
    // a full refit on the same counts: the fresh columns equal its columns, every other column is the old fit's
    stale.refit();
    for (let p = 0; p < n; p++) {
      const now = row(fresh, p);
      const full = row(stale, p);
      for (let x = 0; x < n; x++) {
        const want = got.has(x) ? full.get(x) : before[p].get(x);
        if (want === undefined) expect(now.has(x)).toBe(false);
        else expect(now.get(x)).toBeCloseTo(want, 6);
      }
    }
  });

  it('fresh columns: a state carries the items waiting for their refit', () => {
    // feed counts without refitting: the items wait until maybeRefit
    const a = new ItemRegression({ lambda: 5, minPositives: 1, refitEvery: 1e9, freshEvery: 1 });
    feed(a, data.slice(0, 40));
    a.refit();
    feed(a, data.slice(40, 60));
    const b = ItemRegression.fromState(a.state());
    expect(b.state()).toEqual(a.state());
    expect(a.state().fresh?.length).toBeGreaterThan(0);
    feed(a, data.slice(60));
    feed(b, data.slice(60));
    expect(a.maybeRefit()).not.toBeNull();
    expect(b.maybeRefit()).not.toBeNull();
    expect(b.state()).toEqual(a.state());
  });

  it('continues exactly from its state', () => {
    const a = new ItemRegression({ lambda: 5, minPositives: 1, gramNeighbours: 6 });
    feed(a, data.slice(0, 40));
    a.refit();
    const b = ItemRegression.fromState(a.state());
    expect(b.state()).toEqual(a.state());
    feed(a, data.slice(40));
    feed(b, data.slice(40));
    a.refit();
    b.refit();
    expect(b.state()).toEqual(a.state());
    const hist = data[3].slice().reverse();
    const sa: [number, number][] = [];
    const sb: [number, number][] = [];
    a.forEach(hist, (x, v) => sa.push([x, v]));
    b.forEach(hist, (x, v) => sb.push([x, v]));
    expect(sb).toEqual(sa);
  });

  it('serves the fit as a grouped successor state (the strongest weights first, float32)', () => {
    const r = new ItemRegression({ lambda: 5, minPositives: 1 });
    feed(r, data);
    r.refit();
    const s = r.servingState(3);
    expect(s.window).toBe(r.opts.readWindow);
    expect(s.from.length).toBe(0);
    let at = 0;
    (s.fromItems as Int32Array).forEach((p, g) => {
      const c = (s.fromCounts as Int32Array)[g];
      expect(c).toBeLessThanOrEqual(3);
      const strongest = Array.from(row(r, p).values()).sort((x, y) => y - x).slice(0, c);
      expect(Array.from(s.weight.subarray(at, at + c))).toEqual(strongest);
      at += c;
    });
    expect(at).toBe(s.to.length);
  });

  it('the mixer weighs the regression in when it predicts held-out positives, and leaves it out when it does not', () => {
    const m = 60;
    const allowed = new Array<boolean>(m).fill(true);
    // a regression that knows i goes with i + 1; no memory; two-tower scores that are noise
    const r = new ItemRegression({ lambda: 1, minPositives: 1 });
    feed(
      r,
      Array.from({ length: 3 * m }, (_, u) => [u % (m - 1), (u % (m - 1)) + 1]),
    );
    r.refit();
    const memory = new TransitionMemory(1);
    let seed = 1;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const useful = new MemoryMixer(0);
    for (let t = 0; t < 100; t++) {
      const p = t % (m - 1);
      useful.observe(Float32Array.from({ length: m }, noise), [p], p + 1, memory, null, allowed, r);
    }
    expect(useful.gamma).toBeGreaterThan(0);
    const misleading = new MemoryMixer(0);
    for (let t = 0; t < 100; t++) {
      const p = t % (m - 3);
      const dots = Float32Array.from({ length: m }, noise);
      dots[p + 2] = 5;
      misleading.observe(dots, [p], p + 2, memory, null, allowed, r);
    }
    expect(misleading.gamma).toBe(0);
    expect(MIX_GAMMAS[0]).toBe(0);
  });
});
