/**
 * The item vectors of a model, kept between steps: computed for the whole catalog once after the weights change, and
 * patched for new products and changed content (computed with the same weights) until the next change.
 */
import type { Catalog } from '../features/catalog';
import type { TwoTowerModel } from '../model/two-tower';

/** Row-major item vectors [v, bias] of `count` catalog items, `dim` wide. */
export interface ItemVectors {
  vectors: Float32Array;
  count: number;
  dim: number;
}

export class ItemVectorCache {
  private vectors = new Float32Array(0);
  private count = 0;
  private stale = true;
  /** True when rows were computed apart from the last full computation (a small batch may round differently). */
  private patched = false;
  /** Items whose content changed since their vector was computed. */
  private readonly changedItems = new Set<number>();
  /** The model's sparse row layout at the last full computation (a new id or token row changes vectors too). */
  private layout = '';

  constructor(
    private readonly model: TwoTowerModel,
    private readonly catalog: Catalog,
  ) {}

  /** The weights changed: every vector is recomputed at the next read. */
  invalidate(): void {
    this.stale = true;
  }

  /** An item's content changed (or it was added): its vector is recomputed at the next read. */
  changed(itemIdx: number): void {
    if (itemIdx < this.count) this.changedItems.add(itemIdx);
  }

  /**
   * The vectors with the current weights: the last full computation, with changed and new items patched in. Each
   * patch returns a new array, so holders of the previous one (e.g. an int8 copy keyed by identity) see the change.
   */
  current(): ItemVectors {
    if (this.stale) return this.exact();
    const D = this.model.vectorDim;
    if (this.changedItems.size > 0) {
      const changed = Array.from(this.changedItems);
      const v = this.model.itemVectors(changed);
      const all = this.vectors.slice();
      changed.forEach((idx, t) => all.set(v.subarray(t * D, (t + 1) * D), idx * D));
      this.vectors = all;
      this.changedItems.clear();
      this.patched = true;
    }
    if (this.count < this.catalog.size) {
      const extra = Array.from({ length: this.catalog.size - this.count }, (_, i) => this.count + i);
      const v = this.model.itemVectors(extra);
      const all = new Float32Array(this.catalog.size * D);
      all.set(this.vectors.subarray(0, this.count * D));
      all.set(v, this.count * D);
      this.vectors = all;
      this.count = this.catalog.size;
      this.patched = true;
    }
    return { vectors: this.vectors, count: this.count, dim: D };
  }

  /**
   * Every vector from one computation over the whole catalog with the current weights and rows (recomputed when
   * anything changed since, a new id or token row included): what the vectors are does not depend on when they were
   * read before, which keeps a learner's choices a function of its inputs.
   */
  exact(): ItemVectors {
    const D = this.model.vectorDim;
    const layout = this.layoutNow();
    if (this.stale || this.patched || this.changedItems.size > 0 || this.count < this.catalog.size || layout !== this.layout) {
      this.vectors = this.model.itemVectors();
      this.count = this.catalog.size;
      this.stale = false;
      this.patched = false;
      this.changedItems.clear();
      this.layout = layout;
    }
    return { vectors: this.vectors, count: this.count, dim: D };
  }

  private layoutNow(): string {
    const m = this.model;
    return `${m.item.layoutVersion}/${m.token.layoutVersion}/${m.bias.layoutVersion}`;
  }
}
