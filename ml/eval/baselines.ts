/** The protocol's baselines (CONTRACT section 6): popular, cooccur, knn. Items are dense catalog indices. */
import { ItemCooccurrence } from '../model/item-cooccurrence';

/** Most positives so far; ties keep the item that reached the count first. */
export class PopularBaseline {
  private order = new Int32Array(1024);
  private pos = new Int32Array(1024).fill(-1);
  private count = new Int32Array(1024);
  /** blockStart[c] = first position of items with count c (valid while such items exist). */
  private blockStart: number[] = [0, 0];
  private n = 0;

  private ensure(i: number): void {
    if (i < this.pos.length) return;
    const m = Math.max(i + 1, this.pos.length * 2);
    const grow = (a: Int32Array, fill: number) => {
      const b = new Int32Array(m).fill(fill);
      b.set(a);
      return b;
    };
    this.order = grow(this.order, 0);
    this.pos = grow(this.pos, -1);
    this.count = grow(this.count, 0);
  }

  add(item: number): void {
    this.ensure(item);
    if (this.pos[item] < 0) {
      // new item with count 0 goes to the end
      this.pos[item] = this.n;
      this.order[this.n++] = item;
    }
    const c = this.count[item];
    // move to the start of the block of count c (end of block c+1), preserving order inside block c
    const start = this.blockStartOf(c);
    const p = this.pos[item];
    if (p !== start) {
      this.order.copyWithin(start + 1, start, p);
      for (let q = start + 1; q <= p; q++) this.pos[this.order[q]] = q;
      this.order[start] = item;
      this.pos[item] = start;
    }
    this.count[item] = c + 1;
    while (this.blockStart.length <= c + 2) this.blockStart.push(0);
    this.blockStart[c] = start + 1;
  }

  private blockStartOf(c: number): number {
    while (this.blockStart.length <= c + 1) this.blockStart.push(0);
    // start of block c = number of items with count > c
    return this.blockStart[c];
  }

  /** Items in rank order, skipping excluded ones, until k are found. */
  top(k: number, exclude: ReadonlySet<number>, into: number[] = []): number[] {
    for (let p = 0; p < this.n && into.length < k; p++) {
      const it = this.order[p];
      if (this.count[it] === 0) break;
      if (!exclude.has(it) && !into.includes(it)) into.push(it);
    }
    return into;
  }
}

function rankMap(m: Map<number, number>, k: number, exclude: ReadonlySet<number>): number[] {
  const arr: [number, number][] = [];
  for (const e of m) if (!exclude.has(e[0])) arr.push(e);
  arr.sort((a, b) => b[1] - a[1]);
  return arr.slice(0, k).map((e) => e[0]);
}

/** Items that most often came right after the user's last positive item, filled up from popular. */
export class CooccurBaseline {
  private next = new Map<number, Map<number, number>>();
  constructor(private readonly popular: PopularBaseline) {}

  /** Records a positive `item` whose previous positive (same user) was `prev`. */
  add(prev: number | undefined, item: number): void {
    if (prev === undefined) return;
    let m = this.next.get(prev);
    if (!m) this.next.set(prev, (m = new Map()));
    m.set(item, (m.get(item) ?? 0) + 1);
  }

  top(last: number | undefined, k: number, exclude: ReadonlySet<number>): number[] {
    const m = last === undefined ? undefined : this.next.get(last);
    const out = m ? rankMap(m, k, exclude) : [];
    return this.popular.top(k, exclude, out);
  }
}

/**
 * The protocol's knn (CONTRACT section 6): item-to-item neighbours weighted by recency rank, filled up from popular.
 * A new positive j adds 1/k to W[p -> j] for each of the user's previous 10 positives p (the k-th most recent, j
 * itself included); a user's candidate x scores sum_k (1/k) W[p_k -> x] over their 10 most recent positives. That is
 * an `ItemCooccurrence` with window 10, no bound, no reverse direction and no popularity discount.
 */
export class KnnBaseline {
  private readonly graph = new ItemCooccurrence({ window: 10, maxSuccessors: 0, reverse: 0, selfPairs: true });
  constructor(private readonly popular: PopularBaseline) {}

  /** `recent` = the user's previous positives, most recent first. */
  add(recent: readonly number[], item: number): void {
    this.graph.learn(recent, item);
  }

  top(recent: readonly number[], k: number, exclude: ReadonlySet<number>): number[] {
    const cand: [number, number][] = [];
    this.graph.forEachScore(recent, (x, s) => {
      if (!exclude.has(x)) cand.push([x, s]);
    });
    cand.sort((a, b) => b[1] - a[1]);
    const out = cand.slice(0, k).map((e) => e[0]);
    return this.popular.top(k, exclude, out);
  }
}
