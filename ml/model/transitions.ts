/**
 * Transition memory: the memorising ("wide") half of the student, beside the two-tower ("deep") half, as in Wide & Deep
 * (history item x candidate item crosses) and FPMC (factorisation + a Markov chain over consecutive items).
 *
 * It counts, over the training samples of every step, how often item j followed item p among a user's positives,
 * weighted 1/k when p was the user's k-th most recent positive (k <= window); with `reverse` > 0 each such positive
 * also adds reverse / k to j -> p (items consumed together, in either order, as item-to-item collaborative filtering
 * counts them). For a user whose recent positives are p_1..p_w (most recent first), candidate x gets the memory score
 * m(x) = sum_k (1/k) W[p_k -> x] / n_x^popularity, where n_x counts the positives on x (popularity > 0 discounts
 * items that follow everything because everyone takes them: the towers' bias already carries popularity), and the
 * student scores s(x) = [u, 1] . [v_x, b_x] + beta * log(1 + m(x)).
 *
 * It changes only at training steps, so it is part of a model version (frozen in a static model), and `beta` is
 * chosen continually by `MemoryMixer` on samples the model has not trained on yet.
 */

import { ItemCooccurrence } from './item-cooccurrence';

export interface TransitionState {
  window: number;
  maxSuccessors?: number;
  reverse?: number;
  popularity?: number;
  /** Positives per item index (present when popularity > 0); float64 in a learning state. */
  counts?: Float32Array | Float64Array;
  /** Pair i's source item; empty when the pairs are grouped instead (fromItems / fromCounts, a serving state). */
  from: Int32Array;
  /** Grouped sources: the first fromCounts[0] pairs come from fromItems[0], the next fromCounts[1] from fromItems[1]... */
  fromItems?: Int32Array;
  fromCounts?: Int32Array;
  to: Int32Array;
  /** Float64 in a learning state (`state()`: exact, so learning continues as it would have), float32 in a serving one. */
  weight: Float32Array | Float64Array;
}

export class TransitionMemory {
  /** The weighted item -> item pairs (window, bound, reverse weight; no self pairs). */
  private readonly graph: ItemCooccurrence;
  /** Positives learned per item index (n_x). */
  private counts = new Float64Array(1024);

  /**
   * @param window how many of the user's most recent positives count (the k-th weighs 1/k)
   * @param maxSuccessors each item keeps at most this many successors: when a list reaches twice the cap it is cut
   *   back to its strongest `maxSuccessors` (space-saving style), so memory stays bounded by items x 2 x cap
   */
  constructor(
    readonly window = 10,
    readonly maxSuccessors = 200,
    /** Weight of the reverse direction: learning p -> x also adds reverse / k to x -> p (0: successors only). */
    readonly reverse = 0,
    /** Exponent of the popularity discount n_x^-popularity of a candidate's memory score (0: none). */
    readonly popularity = 0,
  ) {
    this.graph = new ItemCooccurrence({ window, maxSuccessors, reverse, selfPairs: false });
  }

  /** Item pairs held. */
  get pairs(): number {
    return this.graph.pairs;
  }

  private discount(x: number): number {
    if (this.popularity === 0) return 1;
    const c = x < this.counts.length ? this.counts[x] : 0;
    return c > 0 ? Math.pow(c, -this.popularity) : 1;
  }

  /** Learns one positive: `hist` = the user's positives before it, most recent first. */
  learn(hist: ArrayLike<number>, target: number): void {
    if (target >= this.counts.length) {
      const c = new Float64Array(Math.max(target + 1, 2 * this.counts.length));
      c.set(this.counts);
      this.counts = c;
    }
    this.counts[target]++;
    this.graph.learn(hist, target);
  }

  /** m(item) for a user with these recent positives (most recent first). */
  score(hist: ArrayLike<number>, item: number): number {
    return this.graph.score(hist, item) * this.discount(item);
  }

  /**
   * Calls fn(x, m(x)) for every item with m(x) > 0 for a user with these recent positives (most recent first).
   */
  forEach(hist: ArrayLike<number>, fn: (item: number, m: number) => void): void {
    this.graph.forEachScore(hist, (x, s) => fn(x, s * this.discount(x)));
  }

  /** scores[x] += beta * log(1 + m(x)) for every item x < scores.length with m(x) > 0. */
  boost(hist: ArrayLike<number>, beta: number, scores: Float32Array | Float64Array): void {
    if (beta === 0) return;
    this.forEach(hist, (x, m) => {
      if (x < scores.length) scores[x] += beta * Math.log1p(m);
    });
  }

  /** Everything needed to go on learning: the pairs, the positive counts and the settings. */
  state(): TransitionState {
    return this.pairsState(0, false);
  }

  /**
   * What scoring needs, as small as it gets: each item's `maxNeighbours` strongest successors (0: all) by their
   * discounted weight, with the popularity discount folded into the weights (so no counts travel).
   */
  servingState(maxNeighbours = 0): TransitionState {
    return this.pairsState(maxNeighbours, true);
  }

  private pairsState(maxNeighbours: number, bake: boolean): TransitionState {
    const from: number[] = [];
    const fromItems: number[] = [];
    const fromCounts: number[] = [];
    const to: number[] = [];
    const weight: number[] = [];
    for (const [p, m] of this.graph.sources()) {
      let entries = Array.from(m, ([x, v]): [number, number] => [x, bake ? v * this.discount(x) : v]);
      if (maxNeighbours > 0 && entries.length > maxNeighbours) entries = entries.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxNeighbours);
      fromItems.push(p);
      fromCounts.push(entries.length);
      for (const [x, v] of entries) {
        if (!bake) from.push(p);
        to.push(x);
        weight.push(v);
      }
    }
    const popularity = bake ? 0 : this.popularity;
    return {
      window: this.window,
      maxSuccessors: this.maxSuccessors,
      reverse: this.reverse,
      popularity,
      ...(popularity > 0 ? { counts: bake ? Float32Array.from(this.counts.subarray(0, this.countsLength())) : this.counts.slice(0, this.countsLength()) } : {}),
      from: Int32Array.from(from),
      // a serving state groups the pairs by source item: 4 bytes less per pair
      ...(bake ? { fromItems: Int32Array.from(fromItems), fromCounts: Int32Array.from(fromCounts) } : {}),
      to: Int32Array.from(to),
      weight: bake ? Float32Array.from(weight) : Float64Array.from(weight),
    };
  }

  private countsLength(): number {
    let n = this.counts.length;
    while (n > 0 && this.counts[n - 1] === 0) n--;
    return n;
  }

  static fromState(s: TransitionState): TransitionMemory {
    const t = new TransitionMemory(s.window, s.maxSuccessors ?? 200, s.reverse ?? 0, s.popularity ?? 0);
    if (s.counts) {
      t.counts = new Float64Array(Math.max(1024, s.counts.length));
      t.counts.set(s.counts);
    }
    if (s.fromItems && s.fromCounts) {
      let i = 0;
      s.fromItems.forEach((p, g) => {
        for (let e = 0; e < (s.fromCounts as Int32Array)[g]; e++, i++) t.graph.set(p, s.to[i], s.weight[i]);
      });
    } else for (let i = 0; i < s.from.length; i++) t.graph.set(s.from[i], s.to[i], s.weight[i]);
    return t;
  }
}

/** The weights of the memory term the mixer chooses from (0: the two-tower alone). */
export const MIX_BETAS = [0, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256] as const;

/** The sizes of the grid before it grew to MIX_BETAS x MIX_GAMMAS (states of then are read by value). */
const LEGACY_BETAS = 9;
const LEGACY_GAMMAS = 10;

/** The weights of the item-regression term the mixer chooses from (0: none). */
export const MIX_GAMMAS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] as const;

/**
 * The mixer weighs users by how many recent positives they have: a user's bucket is the first bound above that count
 * (the features keep at most 50, the last bucket). The wide terms sum over the user's recent items, so how much they
 * say, and how much they should weigh beside the two-tower score, changes with the history's length.
 */
export const MIX_HISTORY_BOUNDS = [5, 20, 50] as const;
/** A bucket's own weights are used once it has ranked this many samples; until then the weights chosen over all. */
export const MIX_BUCKET_MIN_SAMPLES = 50;

/** The history bucket of a user with `n` recent positives (0 .. bounds.length; an artifact carries its bounds). */
export function historyBucket(n: number, bounds: readonly number[] = MIX_HISTORY_BOUNDS): number {
  let b = 0;
  while (b < bounds.length && n >= bounds[b]) b++;
  return b;
}

/** The weights of the wide terms, overall and per history bucket (what an artifact ships). */
export interface MixWeights {
  beta: number;
  gamma: number;
  /** Per bucket of historyBucket: its beta and gamma (the overall ones until it has ranked enough samples). */
  bucketBeta: number[];
  bucketGamma: number[];
}

/** A linear wide term the mixer weighs (model/item-regression: r(x) >= 0 for every item it reaches). */
export interface LinearWideTerm {
  score(hist: ArrayLike<number>, item: number): number;
  forEach(hist: ArrayLike<number>, fn: (item: number, r: number) => void): void;
}

/** A MemoryMixer's whole state (see `MemoryMixer.state`). */
export interface MixerState {
  beta: number;
  /** The regression term's weight (absent in a state of a mixer without one: 0). */
  gamma?: number;
  /**
   * The decayed gain of each (beta, gamma) of MIX_BETAS x MIX_GAMMAS, beta-major; a state of MIX_BETAS.length gains
   * (a mixer before the regression term) holds gamma 0's.
   */
  gain: Float64Array;
  samples: number;
  decay: number;
  k: number;
  /**
   * Per history bucket (absent in a state before them: buckets start afresh): the decayed gains (bucket-major, each
   * as `gain`), the samples ranked, and the chosen weights.
   */
  bucketGain?: Float64Array;
  bucketSamples?: number[];
  bucketBeta?: number[];
  bucketGamma?: number[];
}

/**
 * Chooses the weights of the wide terms continually: before a step trains on its window, a few of the window's samples
 * (not yet trained on, so held out) are ranked against the whole catalog under every (beta, gamma) of the grid, where
 * the score is s(x) = deep(x) + beta * log(1 + m(x)) + gamma * r(x) (m: the transition memory, r: the item regression);
 * each pair keeps an exponentially decayed sum of the reciprocal-rank-style gain 1/log2(rank + 2) of the target (NDCG@k
 * when rank < k), and the best one is used until the next step. Ties go to the smaller beta, then the smaller gamma.
 */
export class MemoryMixer {
  readonly gain = new Float64Array(MIX_BETAS.length * MIX_GAMMAS.length);
  samples = 0;
  /** Per history bucket: gains (bucket-major), samples ranked, chosen weights. */
  readonly bucketGain = new Float64Array((MIX_HISTORY_BOUNDS.length + 1) * MIX_BETAS.length * MIX_GAMMAS.length);
  readonly bucketSamples: number[] = Array.from({ length: MIX_HISTORY_BOUNDS.length + 1 }, () => 0);
  private readonly bucketBeta: number[] = this.bucketSamples.map(() => 0);
  private readonly bucketGamma: number[] = this.bucketSamples.map(() => 0);
  /** Work marks per catalog item (1: not rankable, 2: scored by a wide term), cleared after each use. */
  private skip = new Uint8Array(0);
  /** Memory and regression scores of the items a wide term reaches, by item (valid while marked 2). */
  private wideM = new Float64Array(0);
  private wideR = new Float64Array(0);
  /** The k highest deep scores above the target's (work space of `observe`). */
  private top = new Float64Array(0);
  /** Per-beta difference arrays over the gammas (work space of `observe`). */
  private diff = new Int32Array(0);
  beta: number;
  gamma = 0;

  constructor(
    initialBeta = 1,
    readonly decay = 0.998,
    readonly k = 10,
  ) {
    this.beta = initialBeta;
  }

  /** Everything the mixer has learnt: the chosen weights, each pair's decayed gain and the samples observed. */
  state(): MixerState {
    return {
      beta: this.beta,
      gamma: this.gamma,
      gain: this.gain.slice(),
      samples: this.samples,
      decay: this.decay,
      k: this.k,
      bucketGain: this.bucketGain.slice(),
      bucketSamples: this.bucketSamples.slice(),
      bucketBeta: this.bucketBeta.slice(),
      bucketGamma: this.bucketGamma.slice(),
    };
  }

  /** The weights for a user with `n` recent positives: their bucket's once it has ranked enough samples, else the overall. */
  weightsFor(n: number): [number, number] {
    const b = historyBucket(n);
    return this.bucketSamples[b] >= MIX_BUCKET_MIN_SAMPLES ? [this.bucketBeta[b], this.bucketGamma[b]] : [this.beta, this.gamma];
  }

  /** The overall weights and each bucket's as `weightsFor` gives them. */
  weights(): MixWeights {
    const bucketBeta: number[] = [];
    const bucketGamma: number[] = [];
    for (let b = 0; b <= MIX_HISTORY_BOUNDS.length; b++) {
      const [beta, gamma] = this.weightsFor(b === 0 ? 0 : MIX_HISTORY_BOUNDS[b - 1]);
      bucketBeta.push(beta);
      bucketGamma.push(gamma);
    }
    return { beta: this.beta, gamma: this.gamma, bucketBeta, bucketGamma };
  }

  /** A mixer that continues from `s` exactly (the same gains, so the same next choices). */
  static fromState(s: MixerState): MemoryMixer {
    const m = new MemoryMixer(s.beta, s.decay, s.k);
    m.restore(s);
    return m;
  }

  /** Puts this mixer back to `s` (its decay and k stay). */
  restore(s: MixerState): void {
    this.beta = s.beta;
    this.gamma = s.gamma ?? 0;
    if (s.gain.length === this.gain.length) this.gain.set(s.gain);
    else {
      // an earlier grid (each grid extends the one before it): 9 betas alone, or 9 betas x 10 gammas; a pair it lacked
      // starts from the gain of the nearest pair it had
      const [ob, og] = s.gain.length === LEGACY_BETAS * LEGACY_GAMMAS ? [LEGACY_BETAS, LEGACY_GAMMAS] : [Math.min(LEGACY_BETAS, s.gain.length), 1];
      const NG = MIX_GAMMAS.length;
      for (let b = 0; b < MIX_BETAS.length; b++) {
        for (let g = 0; g < NG; g++) this.gain[b * NG + g] = s.gain[Math.min(b, ob - 1) * og + Math.min(g, og - 1)] ?? 0;
      }
    }
    this.samples = s.samples;
    const nb = this.bucketSamples.length;
    if (s.bucketGain && s.bucketGain.length === this.bucketGain.length && s.bucketSamples?.length === nb) {
      this.bucketGain.set(s.bucketGain);
      for (let b = 0; b < nb; b++) {
        this.bucketSamples[b] = s.bucketSamples[b];
        this.bucketBeta[b] = s.bucketBeta?.[b] ?? 0;
        this.bucketGamma[b] = s.bucketGamma?.[b] ?? 0;
      }
    } else {
      // a state before the buckets: they start afresh (the overall weights serve them until they have ranked enough)
      this.bucketGain.fill(0);
      for (let b = 0; b < nb; b++) this.bucketSamples[b] = this.bucketBeta[b] = this.bucketGamma[b] = 0;
    }
  }

  /**
   * `dots`: the deep scores of every catalog item for this sample's user; `exclude`: items not rankable (the user's
   * past positives); `allowed`: live items; `regression`: the linear wide term (absent: gamma stays 0).
   */
  observe(
    dots: Float32Array,
    hist: ArrayLike<number>,
    target: number,
    memory: TransitionMemory,
    exclude: ReadonlySet<number> | null,
    allowed: ArrayLike<boolean>,
    regression?: LinearWideTerm | null,
  ): void {
    if (target >= dots.length) return;
    const nb = MIX_BETAS.length;
    const ng = regression ? MIX_GAMMAS.length : 1;
    const NG = MIX_GAMMAS.length;
    const mt = Math.log1p(memory.score(hist, target));
    const rt = regression ? regression.score(hist, target) : 0;
    const dt = dots[target];
    const n = dots.length;
    if (this.skip.length < n) {
      const size = Math.max(n, 2 * this.skip.length);
      this.skip = new Uint8Array(size);
      this.wideM = new Float64Array(size);
      this.wideR = new Float64Array(size);
    }
    const skip = this.skip;
    const wm = this.wideM;
    const wr = this.wideR;
    const marked: number[] = [target];
    skip[target] = 1;
    if (exclude) {
      for (const x of exclude) {
        if (x < n && skip[x] === 0) {
          skip[x] = 1;
          marked.push(x);
        }
      }
    }
    // the items a wide term scores (few) are compared under every pair of weights
    const wide: number[] = [];
    const reach = (x: number): boolean => {
      if (x >= n || skip[x] === 1) return false;
      if (skip[x] === 0) {
        skip[x] = 2;
        marked.push(x);
        wm[x] = 0;
        wr[x] = 0;
        wide.push(x);
      }
      return true;
    };
    memory.forEach(hist, (x, m) => {
      if (reach(x)) wm[x] = Math.log1p(m);
    });
    regression?.forEach(hist, (x, r) => {
      if (reach(x)) wr[x] = r;
    });
    const higher = new Int32Array(nb * NG);
    // x outranks the target under (b, g) when base_b + gamma_g * delta > 0. Gammas ascend, so the pairs where it does
    // are a suffix of g (delta > 0), a prefix (delta < 0) or all or none (delta = 0): each (x, b) adds 1 over a range
    // of g (a difference array, summed per b after the loop), its end found by binary search
    const diff = this.diff.length >= nb * (NG + 1) ? this.diff.fill(0) : (this.diff = new Int32Array(nb * (NG + 1)));
    for (const x of wide) {
      if (!allowed[x]) continue;
      const dx = dots[x];
      const delta = wr[x] - rt;
      for (let b = 0; b < nb; b++) {
        const base = dx + MIX_BETAS[b] * wm[x] - dt - MIX_BETAS[b] * mt;
        // binary search for the first g where the test changes (ng when it never does)
        const up = delta > 0;
        let lo = 0;
        let hi = ng;
        if (delta === 0) lo = base > 0 ? ng : 0;
        else {
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (base + MIX_GAMMAS[mid] * delta > 0 === up) hi = mid;
            else lo = mid + 1;
          }
        }
        // delta > 0: it holds on [lo, ng); delta <= 0: on [0, lo)
        const from = up ? lo : 0;
        const to = up ? ng : lo;
        if (from < to) {
          diff[b * (NG + 1) + from]++;
          diff[b * (NG + 1) + to]--;
        }
      }
    }
    for (let b = 0; b < nb; b++) {
      let run = 0;
      for (let g = 0; g < ng; g++) {
        run += diff[b * (NG + 1) + g];
        higher[b * NG + g] = run;
      }
    }
    // the others score deep(x) alone: against the target's threshold dt + beta * mt + gamma * rt (>= dt). A pair's gain
    // is 0 once k items score higher, so only the k highest deep scores above dt are kept (ascending) and counted
    const k = this.k;
    const top = this.top.length === k ? this.top : (this.top = new Float64Array(k));
    let kept = 0;
    for (let x = 0; x < n; x++) {
      const dx = dots[x];
      if (dx <= dt || skip[x] !== 0 || !allowed[x]) continue;
      if (kept === k && dx <= top[0]) continue;
      // insert dx in ascending order (dropping the smallest when full)
      let i: number;
      if (kept < k) {
        i = kept++;
        while (i > 0 && top[i - 1] > dx) {
          top[i] = top[i - 1];
          i--;
        }
      } else {
        i = 0;
        while (i + 1 < k && top[i + 1] < dx) {
          top[i] = top[i + 1];
          i++;
        }
      }
      top[i] = dx;
    }
    const countAbove = (thr: number): number => {
      let c = 0;
      for (let i = kept - 1; i >= 0 && top[i] > thr; i--) c++;
      return c;
    };
    for (let b = 0; b < nb; b++) for (let g = 0; g < ng; g++) higher[b * NG + g] += countAbove(dt + MIX_BETAS[b] * mt + MIX_GAMMAS[g] * rt);
    for (const x of marked) skip[x] = 0;
    // the sample counts overall and in its history bucket
    const size = this.gain.length;
    const bucket = historyBucket(hist.length);
    const bo = bucket * size;
    const bg = this.bucketGain;
    for (let b = 0; b < nb; b++) {
      for (let g = 0; g < ng; g++) {
        const c = b * NG + g;
        const gain = higher[c] < this.k ? 1 / Math.log2(higher[c] + 2) : 0;
        this.gain[c] = this.decay * this.gain[c] + gain;
        bg[bo + c] = this.decay * bg[bo + c] + gain;
      }
    }
    this.samples++;
    this.bucketSamples[bucket]++;
    const argmax = (a: Float64Array, from: number): number => {
      let best = 0;
      for (let c = 1; c < size; c++) if (a[from + c] > a[from + best]) best = c;
      return best;
    };
    if (this.samples >= 20) {
      const best = argmax(this.gain, 0);
      this.beta = MIX_BETAS[Math.floor(best / NG)];
      this.gamma = MIX_GAMMAS[best % NG];
    }
    const bb = argmax(bg, bo);
    this.bucketBeta[bucket] = MIX_BETAS[Math.floor(bb / NG)];
    this.bucketGamma[bucket] = MIX_GAMMAS[bb % NG];
  }
}
