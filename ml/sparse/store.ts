/**
 * Sparse embedding store (Monolith / TorchRec style): embedding rows live in typed arrays outside the dense network.
 * Rows are created on first sight of a key (after a minimum-frequency filter), evicted least-recently-used at capacity,
 * and updated by row-wise Adagrad or Adam applied only to the rows a step touched.
 */
import { Rng } from '../core/rng';

const ADAGRAD_INITIAL_ACCUMULATOR = 1e-2;

export type SparseOptimizer = 'adagrad' | 'adam';

/** How a store is sized and trained. */
export interface SparseStoreOptions {
  /** Row width. */
  dim: number;
  /** Most rows; at capacity the least recently used ~5% are evicted. */
  capacity: number;
  /** A key gets a row only after it was seen this many times (rare ids share the zero vector). Default 1. */
  minCount?: number;
  /**
   * Most keys counted while below `minCount` (pending). Beyond it the key seen least recently is forgotten (its count
   * starts again at its next sighting), so a stream of ever-new rare keys holds bounded memory. Default `capacity`.
   * Unused when `minCount` is 1.
   */
  maxPending?: number;
  /** Row-wise optimizer. Default 'adagrad'. */
  optimizer?: SparseOptimizer;
  /** Default 0.05. */
  learningRate?: number;
  /** Standard deviation of a new row's values. Default 0.05. */
  initScale?: number;
  /** Seed of the new rows' initial values. Default 1. */
  seed?: number;
}

/**
 * A store's whole state: live rows (in the order their keys got them) with their optimizer slots and recency, the
 * pending counts (least recently seen first), and the generator of new rows, so `fromState` continues exactly as
 * the store would have. The fields marked optional are absent from states written before they existed; `fromState`
 * then starts them afresh.
 */
export interface SparseStoreState {
  dim: number;
  capacity: number;
  minCount: number;
  optimizer: SparseOptimizer;
  learningRate: number;
  initScale: number;
  keys: number[];
  data: Float32Array;
  slot1: Float32Array;
  slot2: Float32Array;
  steps: Float32Array;
  /** Last-use tick of each row (LRU eviction order), and the store's tick. */
  lastUsed?: Float64Array;
  tick?: number;
  /** Rows evicted so far. */
  evictions?: number;
  /** The state of the generator of new rows' values. */
  rngState?: number;
  maxPending?: number;
  /** Keys counted below `minCount`, least recently seen first, with their counts. */
  pendingKeys?: Float64Array;
  pendingCounts?: Int32Array;
  /** Pending keys forgotten at the `maxPending` bound so far. */
  pendingDropped?: number;
}

/**
 * Gradients of the rows one batch touched, accumulated in one flat buffer (row -> slot through a dense index), so a
 * batch allocates nothing per row and looks nothing up in a hash map. `add` sums into a row's slot; the store applies
 * the slots with `applyRows`; `reset` clears only what was used, so one instance serves every batch.
 */
export class RowGrads {
  /** rows[s]: the store row of slot s (first `size` entries). */
  rows: Int32Array;
  size = 0;
  data: Float32Array;
  private slotOf: Int32Array;
  constructor(
    readonly width: number,
    initialRows = 256,
  ) {
    this.data = new Float32Array(Math.max(1, initialRows) * width);
    this.rows = new Int32Array(Math.max(1, initialRows));
    this.slotOf = new Int32Array(0);
  }
  slot(row: number): number {
    if (row >= this.slotOf.length) {
      const b = new Int32Array(Math.max(row + 1, this.slotOf.length * 2, 1024)).fill(-1);
      b.set(this.slotOf);
      this.slotOf = b;
    }
    let s = this.slotOf[row];
    if (s < 0) {
      s = this.size++;
      this.slotOf[row] = s;
      if (s >= this.rows.length) {
        const r = new Int32Array(this.rows.length * 2);
        r.set(this.rows);
        this.rows = r;
        const b = new Float32Array(this.data.length * 2);
        b.set(this.data);
        this.data = b;
      }
      this.rows[s] = row;
    }
    return s;
  }
  /** data[slot(row)] += scale * src[off..off+width). */
  add(row: number, src: Float32Array, off: number, scale = 1): void {
    const w = this.width;
    const o = this.slot(row) * w;
    const d = this.data;
    for (let j = 0; j < w; j++) d[o + j] += scale * src[off + j];
  }
  /** Forgets every slot (clearing only the used part). */
  reset(): void {
    for (let s = 0; s < this.size; s++) this.slotOf[this.rows[s]] = -1;
    this.data.fill(0, 0, this.size * this.width);
    this.size = 0;
  }
}

/** Embedding rows keyed by hashed feature keys (see the file's comment); one store per table. */
export class SparseEmbeddingStore {
  readonly dim: number;
  readonly capacity: number;
  readonly minCount: number;
  /** Most pending keys (counted below minCount). */
  readonly maxPending: number;
  readonly optimizer: SparseOptimizer;
  learningRate: number;
  readonly initScale: number;
  /** Row-major rows: data[row * dim + j]. */
  data: Float32Array;
  private slot1: Float32Array;
  private slot2: Float32Array;
  private rowSteps: Float32Array;
  private lastUsed: Float64Array;
  private rowKey: Float64Array;
  private readonly index = new Map<number, number>();
  /** Keys seen fewer than minCount times, least recently seen first (Map order), bounded by maxPending. */
  private readonly pendingCounts = new Map<number, number>();
  private freeRows: number[] = [];
  private used = 0;
  private tick = 0;
  private readonly rng: Rng;
  evictions = 0;
  /** Pending keys forgotten at the maxPending bound. */
  pendingDropped = 0;
  /** Bumped whenever a key gains or loses a row, so callers may cache key -> row lookups. */
  layoutVersion = 0;
  /**
   * Rows changed since begin(), snapshotted on first change into one flat buffer (row j's copy at j * (3 dim + 1)):
   * data, slot1, slot2 and the row's step count. `journaled[row]` marks rows already in it.
   */
  private journal: { rows: number[]; buf: Float32Array } | null = null;
  private journaled = new Uint8Array(0);
  /** The tick at begin(), and (row, last use before it) of each row first used since: rollback restores the recency too. */
  private journalTick = 0;
  private readonly journalRecency: number[] = [];

  constructor(o: SparseStoreOptions) {
    this.dim = o.dim;
    this.capacity = o.capacity;
    this.minCount = Math.max(1, o.minCount ?? 1);
    this.maxPending = Math.max(1, o.maxPending ?? o.capacity);
    this.optimizer = o.optimizer ?? 'adagrad';
    this.learningRate = o.learningRate ?? 0.05;
    this.initScale = o.initScale ?? 0.05;
    this.rng = new Rng(o.seed ?? 1);
    const initialRows = Math.min(o.capacity, 1024);
    this.data = new Float32Array(initialRows * this.dim);
    this.slot1 = new Float32Array(initialRows * this.dim);
    this.slot2 = new Float32Array(this.optimizer === 'adam' ? initialRows * this.dim : 0);
    this.rowSteps = new Float32Array(initialRows);
    this.lastUsed = new Float64Array(initialRows);
    this.rowKey = new Float64Array(initialRows);
  }

  /** Rows 0..rowSpan-1 of `data` hold every row in use (the rows ever allocated; freed ones among them). */
  get rowSpan(): number {
    return this.used;
  }

  /** Number of keys holding a row. */
  get size(): number {
    return this.index.size;
  }

  /** Whether the key holds a row. */
  has(key: number): boolean {
    return this.index.has(key);
  }

  /** Row of a key, or -1, without touching its recency. */
  peek(key: number): number {
    const r = this.index.get(key);
    return r === undefined ? -1 : r;
  }

  /**
   * Row of a key, or -1. Does not create, and (like `peek`) does not count as use: a row's recency follows the data
   * (`observe`) and the training updates (`touch`), so scoring and evaluating never change the store's state.
   */
  row(key: number): number {
    const r = this.index.get(key);
    return r === undefined ? -1 : r;
  }

  /** Marks a row as just used (least-recently-used eviction). */
  touch(row: number): void {
    if (this.journal && this.lastUsed[row] <= this.journalTick) this.journalRecency.push(row, this.lastUsed[row]);
    this.lastUsed[row] = ++this.tick;
  }

  /** Counts a sighting of the key and creates its row once it passes the frequency filter. Returns the row or -1. */
  observe(key: number): number {
    const r = this.index.get(key);
    if (r !== undefined) {
      this.lastUsed[r] = ++this.tick;
      return r;
    }
    const pending = this.pendingCounts.get(key);
    const c = (pending ?? 0) + 1;
    if (pending !== undefined) this.pendingCounts.delete(key);
    if (c < this.minCount) {
      // re-inserted at the end: the map's order is the keys' recency, so the first one is the least recently seen
      this.pendingCounts.set(key, c);
      if (this.pendingCounts.size > this.maxPending) {
        this.pendingCounts.delete(this.pendingCounts.keys().next().value as number);
        this.pendingDropped++;
      }
      return -1;
    }
    return this.create(key);
  }

  private grow(rows: number): void {
    const n = Math.min(this.capacity, Math.max(rows, this.rowKey.length * 2));
    const d = this.dim;
    const cp = <T extends Float32Array | Float64Array>(a: T, len: number, make: (n: number) => T): T => {
      const b = make(len);
      b.set(a.subarray(0, Math.min(a.length, len)));
      return b;
    };
    this.data = cp(this.data, n * d, (k) => new Float32Array(k));
    this.slot1 = cp(this.slot1, n * d, (k) => new Float32Array(k));
    if (this.optimizer === 'adam') this.slot2 = cp(this.slot2, n * d, (k) => new Float32Array(k));
    this.rowSteps = cp(this.rowSteps, n, (k) => new Float32Array(k));
    this.lastUsed = cp(this.lastUsed, n, (k) => new Float64Array(k));
    this.rowKey = cp(this.rowKey, n, (k) => new Float64Array(k));
  }

  private evictLru(): void {
    // Evict the least recently used ~5% in one pass so eviction stays amortised O(1) per insert.
    const n = Math.max(1, Math.floor(this.used * 0.05));
    const rows = Array.from(this.index.values());
    rows.sort((a, b) => this.lastUsed[a] - this.lastUsed[b]);
    for (let i = 0; i < n && i < rows.length; i++) {
      const r = rows[i];
      this.index.delete(this.rowKey[r]);
      this.freeRows.push(r);
      this.layoutVersion++;
      this.evictions++;
    }
  }

  private create(key: number): number {
    let r: number;
    if (this.freeRows.length === 0 && this.used >= this.capacity) this.evictLru();
    if (this.freeRows.length > 0) r = this.freeRows.pop() as number;
    else {
      r = this.used++;
      if (r >= this.rowKey.length) this.grow(r + 1);
    }
    const d = this.dim;
    for (let j = 0; j < d; j++) {
      this.data[r * d + j] = this.rng.normal() * this.initScale;
      this.slot1[r * d + j] = 0;
      if (this.optimizer === 'adam') this.slot2[r * d + j] = 0;
    }
    this.rowSteps[r] = 0;
    this.rowKey[r] = key;
    this.lastUsed[r] = ++this.tick;
    this.index.set(key, r);
    this.layoutVersion++;
    return r;
  }

  /** Adds weight * row(key) into out[offset..offset+dim). Missing keys add nothing. */
  addInto(row: number, weight: number, out: Float32Array, offset: number): void {
    if (row < 0) return;
    const d = this.dim;
    const base = row * d;
    for (let j = 0; j < d; j++) out[offset + j] += weight * this.data[base + j];
  }

  /**
   * Applies accumulated gradients (row -> gradient of length dim) with the store's optimizer.
   * Returns false (and changes nothing) when a gradient is non-finite.
   */
  apply(grads: Map<number, Float32Array>, lrScale = 1): boolean {
    const acc = new RowGrads(this.dim, Math.max(1, grads.size));
    for (const [r, g] of grads) acc.add(r, g, 0);
    return this.applyRows(acc, lrScale);
  }

  /** `apply` for gradients accumulated in a RowGrads buffer. */
  applyRows(grads: RowGrads, lrScale = 1): boolean {
    const d = this.dim;
    const G = grads.data;
    const n = grads.size * d;
    for (let i = 0; i < n; i++) if (!Number.isFinite(G[i])) return false;
    const lr = this.learningRate * lrScale;
    const rows = grads.rows;
    for (let s = 0; s < grads.size; s++) {
      const r = rows[s];
      const base = r * d;
      const go = s * d;
      if (this.journal && this.journaled[r] !== 1) this.snapshotRow(r);
      if (this.optimizer === 'adagrad') {
        for (let j = 0; j < d; j++) {
          const g = G[go + j];
          const a = (this.slot1[base + j] += g * g);
          this.data[base + j] -= (lr * g) / Math.sqrt(a + ADAGRAD_INITIAL_ACCUMULATOR);
        }
      } else {
        const t = ++this.rowSteps[r];
        const b1 = 0.9;
        const b2 = 0.999;
        const c1 = 1 - Math.pow(b1, t);
        const c2 = 1 - Math.pow(b2, t);
        for (let j = 0; j < d; j++) {
          const g = G[go + j];
          const m = (this.slot1[base + j] = b1 * this.slot1[base + j] + (1 - b1) * g);
          const v = (this.slot2[base + j] = b2 * this.slot2[base + j] + (1 - b2) * g * g);
          this.data[base + j] -= (lr * (m / c1)) / (Math.sqrt(v / c2) + 1e-8);
        }
      }
    }
    return true;
  }

  private snapshotRow(r: number): void {
    const j = this.journal as { rows: number[]; buf: Float32Array };
    const d = this.dim;
    const w = 3 * d + 1;
    const o = j.rows.length * w;
    if (o + w > j.buf.length) {
      const b = new Float32Array(Math.max(2 * j.buf.length, o + w));
      b.set(j.buf);
      j.buf = b;
    }
    const out = j.buf;
    const b = r * d;
    const adam = this.optimizer === 'adam';
    for (let i = 0; i < d; i++) {
      out[o + i] = this.data[b + i];
      out[o + d + i] = this.slot1[b + i];
      if (adam) out[o + 2 * d + i] = this.slot2[b + i];
    }
    out[o + 3 * d] = this.rowSteps[r];
    j.rows.push(r);
    if (r >= this.journaled.length) {
      const f = new Uint8Array(Math.max(r + 1, 2 * this.journaled.length, 1024));
      f.set(this.journaled);
      this.journaled = f;
    }
    this.journaled[r] = 1;
  }

  /** Starts recording the rows a training step changes so the whole step can be rolled back. */
  begin(): void {
    this.endJournal();
    this.journal = { rows: [], buf: new Float32Array(0) };
    this.journalTick = this.tick;
  }

  private endJournal(): void {
    if (this.journal) for (const r of this.journal.rows) this.journaled[r] = 0;
    this.journal = null;
    this.journalRecency.length = 0;
  }

  /** True when every row changed since begin() is finite. */
  touchedFinite(): boolean {
    if (!this.journal) return this.isFinite();
    const d = this.dim;
    for (const r of this.journal.rows) for (let j = 0; j < d; j++) if (!Number.isFinite(this.data[r * d + j])) return false;
    return true;
  }

  commit(): void {
    this.endJournal();
  }

  /** Restores every row changed since begin(), and the recency of the rows used since (touch). */
  rollback(): void {
    if (!this.journal) return;
    const d = this.dim;
    const w = 3 * d + 1;
    const { rows, buf } = this.journal;
    rows.forEach((r, i) => {
      const o = i * w;
      this.data.set(buf.subarray(o, o + d), r * d);
      this.slot1.set(buf.subarray(o + d, o + 2 * d), r * d);
      if (this.optimizer === 'adam') this.slot2.set(buf.subarray(o + 2 * d, o + 3 * d), r * d);
      this.rowSteps[r] = buf[o + 3 * d];
    });
    const rec = this.journalRecency;
    for (let i = 0; i < rec.length; i += 2) this.lastUsed[rec[i]] = rec[i + 1];
    this.tick = this.journalTick;
    this.endJournal();
  }

  /** True when every stored row is finite. */
  isFinite(): boolean {
    for (const r of this.index.values()) {
      const base = r * this.dim;
      for (let j = 0; j < this.dim; j++) if (!Number.isFinite(this.data[base + j])) return false;
    }
    return true;
  }

  /** Number of keys counted below minCount (at most maxPending). */
  get pendingSize(): number {
    return this.pendingCounts.size;
  }

  /** How many times a key without a row has been counted (0 when it has a row or was never seen / was forgotten). */
  pendingCount(key: number): number {
    return this.pendingCounts.get(key) ?? 0;
  }

  /** Compact state: only live rows, in key order of insertion, with everything needed to continue exactly. */
  state(): SparseStoreState {
    const keys: number[] = [];
    const rows: number[] = [];
    for (const [k, r] of this.index) {
      keys.push(k);
      rows.push(r);
    }
    const d = this.dim;
    const pick = (src: Float32Array, width: number): Float32Array => {
      const out = new Float32Array(rows.length * width);
      if (src.length === 0) return new Float32Array(0);
      rows.forEach((r, i) => out.set(src.subarray(r * width, r * width + width), i * width));
      return out;
    };
    return {
      dim: d,
      capacity: this.capacity,
      minCount: this.minCount,
      optimizer: this.optimizer,
      learningRate: this.learningRate,
      initScale: this.initScale,
      keys,
      data: pick(this.data, d),
      slot1: pick(this.slot1, d),
      slot2: this.optimizer === 'adam' ? pick(this.slot2, d) : new Float32Array(0),
      steps: pick(this.rowSteps, 1),
      lastUsed: Float64Array.from(rows, (r) => this.lastUsed[r]),
      tick: this.tick,
      evictions: this.evictions,
      rngState: this.rng.state,
      maxPending: this.maxPending,
      pendingKeys: Float64Array.from(this.pendingCounts.keys()),
      pendingCounts: Int32Array.from(this.pendingCounts.values()),
      pendingDropped: this.pendingDropped,
    };
  }

  /**
   * A store that continues exactly as the one `state()` was taken from.
   * @param seed seeds new rows' values only for a state without `rngState` (written before it existed); default 1
   */
  static fromState(s: SparseStoreState, seed = 1): SparseEmbeddingStore {
    const st = new SparseEmbeddingStore({
      dim: s.dim,
      capacity: s.capacity,
      minCount: s.minCount,
      maxPending: s.maxPending,
      optimizer: s.optimizer,
      learningRate: s.learningRate,
      initScale: s.initScale,
      seed,
    });
    st.grow(Math.max(1, s.keys.length));
    const d = s.dim;
    s.keys.forEach((k, i) => {
      const r = st.used++;
      st.data.set(s.data.subarray(i * d, i * d + d), r * d);
      if (s.slot1.length) st.slot1.set(s.slot1.subarray(i * d, i * d + d), r * d);
      if (s.slot2.length) st.slot2.set(s.slot2.subarray(i * d, i * d + d), r * d);
      if (s.steps.length) st.rowSteps[r] = s.steps[i];
      st.rowKey[r] = k;
      st.lastUsed[r] = s.lastUsed ? s.lastUsed[i] : ++st.tick;
      st.index.set(k, r);
    });
    if (s.tick !== undefined) st.tick = s.tick;
    if (s.evictions !== undefined) st.evictions = s.evictions;
    if (s.rngState !== undefined) st.rng.state = s.rngState;
    if (s.pendingDropped !== undefined) st.pendingDropped = s.pendingDropped;
    const pk = s.pendingKeys;
    const pc = s.pendingCounts;
    if (pk && pc) for (let i = 0; i < pk.length; i++) st.pendingCounts.set(pk[i], pc[i]);
    return st;
  }

  /** An independent copy that continues exactly as this store would. */
  clone(): SparseEmbeddingStore {
    return SparseEmbeddingStore.fromState(this.state());
  }
}
