/**
 * Which live items belong to which category, for the `category` filter of `GET /v1/recommendations`: an item is in
 * category C when C is any element of its category path (`["apparel", "scarves"]` is in `apparel` and in `scarves`).
 * Also the live items in the order they were last upserted, for the answers of a shop without any positive yet.
 * Kept in memory by every API process from PostgreSQL and the product changes.
 */
export class ProductCatalog {
  private readonly byItem = new Map<string, readonly string[]>();
  private readonly byCategory = new Map<string, Set<string>>();
  /** Every upsert in order, and each live item's latest position in it. */
  private log: string[] = [];
  private readonly at = new Map<string, number>();

  /** Sets an item's category path (an empty one or a delete: the item leaves every category). */
  set(itemId: string, category: readonly string[] | null | undefined, deleted = false): void {
    if (deleted) this.at.delete(itemId);
    else this.upserted(itemId);
    const old = this.byItem.get(itemId);
    if (old) {
      for (const c of old) {
        const members = this.byCategory.get(c);
        members?.delete(itemId);
        if (members && members.size === 0) this.byCategory.delete(c);
      }
      this.byItem.delete(itemId);
    }
    if (deleted || !category || category.length === 0) return;
    const path = [...new Set(category)];
    this.byItem.set(itemId, path);
    for (const c of path) {
      let members = this.byCategory.get(c);
      if (!members) this.byCategory.set(c, (members = new Set()));
      members.add(itemId);
    }
  }

  /** The live items of a category (empty for an unknown one). */
  itemsIn(category: string): ReadonlySet<string> {
    return this.byCategory.get(category) ?? EMPTY;
  }

  /** Whether the item is in the category. */
  has(category: string, itemId: string): boolean {
    return this.byCategory.get(category)?.has(itemId) ?? false;
  }

  /** Items with a category. */
  get size(): number {
    return this.byItem.size;
  }

  /** Live items (with or without a category). */
  get liveCount(): number {
    return this.at.size;
  }

  /** The `limit` live items upserted last, newest first (items loaded at boot count in the order they were read). */
  newest(limit: number): string[] {
    const out: string[] = [];
    for (let i = this.log.length - 1; i >= 0 && out.length < limit; i--) {
      const itemId = this.log[i];
      if (this.at.get(itemId) === i) out.push(itemId);
    }
    return out;
  }

  private upserted(itemId: string): void {
    this.at.set(itemId, this.log.length);
    this.log.push(itemId);
    // the log keeps old positions of items upserted again: rewrite it once they are most of it
    if (this.log.length > 2 * this.at.size + 1024) {
      const live = this.log.filter((id, i) => this.at.get(id) === i);
      this.log = live;
      live.forEach((id, i) => this.at.set(id, i));
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();
