/**
 * Which live items belong to which category, for the `category` filter of `GET /v1/recommendations`: an item is in
 * category C when C is any element of its category path (`["apparel", "scarves"]` is in `apparel` and in `scarves`).
 * Kept in memory by every API process from PostgreSQL and the product changes.
 */
export class ProductCatalog {
  private readonly byItem = new Map<string, readonly string[]>();
  private readonly byCategory = new Map<string, Set<string>>();

  /** Sets an item's category path (an empty one or a delete: the item leaves every category). */
  set(itemId: string, category: readonly string[] | null | undefined, deleted = false): void {
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
}

const EMPTY: ReadonlySet<string> = new Set();
