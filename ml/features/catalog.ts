/** Item catalog: maps item ids to dense indices and keeps each item's hashed content features (the embedding-bag keys). */
import { hashString } from '../core/rng';
import type { ProductContent } from '../core/events';

const MAX_DESCRIPTION_TOKENS = 64;

/** Lower-cased letter/digit runs of a text. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** Price bucket on a log scale (factor 1.5 per bucket); 0 for a price <= 0. */
export function priceBucket(price: number): number {
  return price <= 0 ? 0 : 1 + Math.floor(Math.log(1 + price) / Math.log(1.5));
}

/** Hashed content keys of a product: title tokens and bigrams, description tokens, category path, brand, price bucket, attributes. */
export function contentKeys(c: ProductContent): number[] {
  const feats: string[] = [];
  if (c.title) {
    const t = tokenize(c.title);
    for (let i = 0; i < t.length; i++) {
      feats.push(`w:${t[i]}`);
      if (i + 1 < t.length) feats.push(`b:${t[i]}_${t[i + 1]}`);
    }
  }
  if (c.description) for (const tok of tokenize(c.description).slice(0, MAX_DESCRIPTION_TOKENS)) feats.push(`d:${tok}`);
  if (c.category) {
    let prefix = '';
    for (const part of c.category) {
      const p = part.toLowerCase().trim();
      prefix = prefix ? `${prefix}/${p}` : p;
      feats.push(`c:${p}`);
      if (prefix !== p) feats.push(`cp:${prefix}`);
    }
  }
  if (c.brand) feats.push(`br:${c.brand.toLowerCase().trim()}`);
  if (c.price !== undefined) feats.push(`p:${priceBucket(c.price)}`);
  if (c.attributes) {
    // in key order: a jsonb column gives the keys back in its own order, and the keys must not depend on it
    const attrs = c.attributes;
    for (const k of Object.keys(attrs).sort()) feats.push(`a:${k.toLowerCase()}=${String(attrs[k]).toLowerCase()}`);
  }
  return Array.from(new Set(feats)).map((f) => hashString(f));
}

/**
 * A catalog in flat arrays (a checkpoint's part): item i's content keys are
 * `contentKeys[contentOffsets[i] .. contentOffsets[i + 1])`, its image (when `hasImage[i]`) the `imageDim` values at
 * `images[i * imageDim]`, `active[i]` 1 while it may be recommended.
 */
export interface CatalogState {
  imageDim: number;
  ids: string[];
  contentOffsets: Int32Array;
  /** Hashed content keys (uint32 values). */
  contentKeys: Float64Array;
  hasImage: Uint8Array;
  images: Float32Array;
  active: Uint8Array;
}

/**
 * Item ids -> dense indices (in order of first sight), with each item's hashed content keys, optional image vector and
 * whether it is active (may be recommended). An item becomes inactive on a `product_delete` and active again only on a
 * `product_upsert`: an interaction with a deleted item does not bring it back.
 */
export class Catalog {
  /** Item id of each index. */
  readonly ids: string[] = [];
  /** Index of each item id. */
  readonly index = new Map<string, number>();
  /** Hashed id key of each index (the id embedding's key). */
  readonly idKeys: number[] = [];
  /** Hashed content keys of each index (empty until a product_upsert). */
  readonly content: number[][] = [];
  /** Image vector of each index (null without one, or with imageDim 0). */
  readonly images: (Float32Array | null)[] = [];
  /** Whether each index may be recommended (false after a product_delete, until the next upsert). */
  readonly active: boolean[] = [];

  /** @param imageDim width of the image vectors kept (IMAGE_EMBEDDING_DIM); 0, the default, keeps none */
  constructor(readonly imageDim = 0) {}

  /** Number of items ever registered (deleted ones included). */
  get size(): number {
    return this.ids.length;
  }

  /**
   * Index of an item, registering it (without content, active) on first sight. An item already known keeps its
   * active flag: a click on a deleted product leaves it deleted.
   */
  ensure(itemId: string): number {
    const i = this.index.get(itemId);
    if (i !== undefined) return i;
    const n = this.ids.length;
    this.ids.push(itemId);
    this.index.set(itemId, n);
    this.idKeys.push(hashString(itemId, 0x1234567));
    this.content.push([]);
    this.images.push(null);
    this.active.push(true);
    return n;
  }

  /** A `product_upsert`: registers the item if new, replaces its content and image, and makes it active again. */
  upsert(itemId: string, c: ProductContent): number {
    const i = this.ensure(itemId);
    this.active[i] = true;
    // an upsert is the product's whole record (a compacted topic keeps the newest one): content and image are replaced
    this.content[i] = contentKeys(c);
    this.images[i] = null;
    if (this.imageDim > 0 && c.imageEmbedding && c.imageEmbedding.length > 0) {
      const v = new Float32Array(this.imageDim);
      for (let j = 0; j < Math.min(this.imageDim, c.imageEmbedding.length); j++) v[j] = c.imageEmbedding[j];
      this.images[i] = v;
    }
    return i;
  }

  /** A `product_delete`: the item stays registered (its index and rows remain) but is no longer active. */
  remove(itemId: string): void {
    const i = this.index.get(itemId);
    if (i !== undefined) this.active[i] = false;
  }

  /** The catalog in flat arrays (copies). */
  state(): CatalogState {
    const n = this.size;
    const d = this.imageDim;
    const contentOffsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) contentOffsets[i + 1] = contentOffsets[i] + this.content[i].length;
    const contentKeys = new Float64Array(contentOffsets[n]);
    const hasImage = new Uint8Array(n);
    const images = new Float32Array(n * d);
    const active = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      contentKeys.set(this.content[i], contentOffsets[i]);
      const img = this.images[i];
      if (img && d > 0) {
        hasImage[i] = 1;
        images.set(img.subarray(0, d), i * d);
      }
      active[i] = this.active[i] ? 1 : 0;
    }
    return { imageDim: d, ids: this.ids.slice(), contentOffsets, contentKeys, hasImage, images, active };
  }

  /** A catalog equal to the one `state()` was taken from (same indices, content, images and active flags). */
  static fromState(s: CatalogState): Catalog {
    const c = new Catalog(s.imageDim);
    const d = s.imageDim;
    s.ids.forEach((id, i) => {
      c.ensure(id);
      c.content[i] = Array.from(s.contentKeys.subarray(s.contentOffsets[i], s.contentOffsets[i + 1]));
      c.images[i] = s.hasImage[i] === 1 ? s.images.slice(i * d, (i + 1) * d) : null;
      c.active[i] = s.active[i] === 1;
    });
    return c;
  }
}
