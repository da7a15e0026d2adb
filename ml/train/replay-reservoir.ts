/**
 * The replay reservoir against forgetting: a uniform sample (reservoir sampling, Vitter's algorithm R) of every
 * positive the learner has stepped on, drawn from with replacement to mix old samples into each step.
 */
import type { Rng } from '../core/rng';
import type { TrainExample } from '../features/example';

/** What a reservoir holds: its samples and how many it has been offered in all. */
export interface ReservoirState {
  size: number;
  seen: number;
  examples: TrainExample[];
}

export class ReplayReservoir {
  private examples: TrainExample[] = [];
  /** Samples offered so far (each of them had an equal chance to be kept). */
  seen = 0;

  /** @param size the most samples kept (the learner's default: 20,000) */
  constructor(readonly size: number) {}

  get length(): number {
    return this.examples.length;
  }

  /** Offers each sample: kept with probability size / seen, replacing a uniformly chosen one when full. */
  add(examples: readonly TrainExample[], rng: Rng): void {
    for (const ex of examples) {
      this.seen++;
      if (this.examples.length < this.size) this.examples.push(ex);
      else {
        const j = rng.int(this.seen);
        if (j < this.size) this.examples[j] = ex;
      }
    }
  }

  /** k samples drawn uniformly with replacement, each with weight 1 (an importance weight is the window's only). */
  draw(k: number, rng: Rng): TrainExample[] {
    const out: TrainExample[] = [];
    if (this.examples.length === 0) return out;
    for (let i = 0; i < k; i++) {
      const ex = this.examples[rng.int(this.examples.length)];
      out.push(ex.weight === 1 ? ex : { ...ex, weight: 1 });
    }
    return out;
  }

  /** The samples (in slot order) and the count seen; the examples are shared, not copied (they are never mutated). */
  state(): ReservoirState {
    return { size: this.size, seen: this.seen, examples: this.examples.slice() };
  }

  static fromState(s: ReservoirState): ReplayReservoir {
    const r = new ReplayReservoir(s.size);
    r.examples = s.examples.slice();
    r.seen = s.seen;
    return r;
  }
}
