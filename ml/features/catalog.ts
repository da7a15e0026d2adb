/** Item catalog: maps item ids to dense indices and keeps each item's hashed content features (the embedding-bag keys). */
import { hashString } from '../core/rng';
import type { ProductContent } from '../core/events';

const MAX_DESCRIPTION_TOKENS = 64;

export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

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
  if (c.attributes) for (const [k, v] of Object.entries(c.attributes)) feats.push(`a:${k.toLowerCase()}=${String(v).toLowerCase()}`);
  return Array.from(new Set(feats)).map((f) => hashString(f));
}

export class Catalog {
  readonly ids: string[] = [];
  readonly index = new Map<string, number>();
  readonly idKeys: number[] = [];
  readonly content: number[][] = [];
  readonly images: (Float32Array | null)[] = [];
  readonly active: boolean[] = [];

  constructor(readonly imageDim = 0) {}

  get size(): number {
    return this.ids.length;
  }

  /** Index of an item, registering it (without content) on first sight. */
  ensure(itemId: string): number {
    const i = this.index.get(itemId);
    if (i !== undefined) {
      this.active[i] = true;
      return i;
    }
    const n = this.ids.length;
    this.ids.push(itemId);
    this.index.set(itemId, n);
    this.idKeys.push(hashString(itemId, 0x1234567));
    this.content.push([]);
    this.images.push(null);
    this.active.push(true);
    return n;
  }

  upsert(itemId: string, c: ProductContent): number {
    const i = this.ensure(itemId);
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

  remove(itemId: string): void {
    const i = this.index.get(itemId);
    if (i !== undefined) this.active[i] = false;
  }
}
