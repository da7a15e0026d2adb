/**
 * The service's events as `ml` reads them: a light JSONL parser (interactions and product events) and the adapter from the
 * rows the ingest service stores in PostgreSQL. Both normalise an event the way the contract's validator does
 * (libs/contracts, CONTRACT section 3), so a trainer reading PostgreSQL computes the same features the eval measured on
 * JSONL. ml keeps its own copy of the shapes so it stays free of libs/.
 *
 * Normalisation (both paths):
 * - `ts`: epoch milliseconds (an ISO-8601 string is parsed), truncated to an integer.
 * - `category`: a string is one category (`"apparel > scarves"` stays one segment); an array is a path, kept as is.
 * - `imageEmbedding`: each value rounded to float32 (what the catalog and the `real[]` column keep).
 * - `product_delete`: carries no content (a delete's content fields mean nothing and the stored row keeps the old ones).
 * - `context`, `attributes`: only string, number and boolean values are kept (nested values carry no feature).
 */

/** The contract's interaction types; `click`, `add_to_cart` and `purchase` are positives, impressions exposure only. */
export type InteractionType = 'impression' | 'click' | 'add_to_cart' | 'purchase';
/** A context or attribute value ml keeps (nested values are dropped). */
export type ContextValue = string | number | boolean;

/** A user interaction as ml reads it (`kind` tells it from a product event). */
export interface InteractionEvent {
  kind: 'interaction';
  eventId: string;
  type: InteractionType;
  userId: string;
  itemId: string;
  /** Epoch milliseconds (integer). */
  ts: number;
  requestId?: string;
  position?: number;
  context?: Record<string, ContextValue>;
}

/** A product's content fields (all optional), as the catalog hashes them. */
export interface ProductContent {
  title?: string;
  description?: string;
  /** The category path (a contract string category is a one-element path). */
  category?: string[];
  brand?: string;
  price?: number;
  /** float32 values (IMAGE_EMBEDDING_DIM of them when the contract validated the event). */
  imageEmbedding?: number[];
  attributes?: Record<string, ContextValue>;
}

/** A product upsert (the product's whole record) or delete (no content). */
export interface ProductEvent extends ProductContent {
  kind: 'product';
  eventId: string;
  type: 'product_upsert' | 'product_delete';
  itemId: string;
  ts: number;
}

/** Either kind of event. */
export type MlEvent = InteractionEvent | ProductEvent;

const INTERACTIONS = new Set<string>(['impression', 'click', 'add_to_cart', 'purchase']);
const POSITIVES = new Set<string>(['click', 'add_to_cart', 'purchase']);

/** True for a positive interaction (click, add_to_cart, purchase). */
export function isPositive(e: MlEvent): e is InteractionEvent {
  return e.kind === 'interaction' && POSITIVES.has(e.type);
}

function parseTs(v: unknown): number | undefined {
  // the contract truncates to whole milliseconds (the stored column is a bigint)
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    if (Number.isFinite(n)) return Math.trunc(n);
    const d = Date.parse(v);
    if (Number.isFinite(d)) return Math.trunc(d);
  }
  return undefined;
}

/** The values rounded to float32, or undefined when one is not a finite float32. */
function float32Values(v: readonly unknown[]): number[] | undefined {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') return undefined;
    const f = Math.fround(x);
    if (!Number.isFinite(f)) return undefined;
    // + 0 turns -0 into 0, as the JSON the ingest service writes does
    out[i] = f + 0;
  }
  return out;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function plainRecord(v: unknown): Record<string, ContextValue> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, ContextValue> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string' || typeof x === 'boolean') out[k] = x;
    // a non-finite number is written as null and -0 as 0 by the JSON that stores it
    else if (typeof x === 'number' && Number.isFinite(x)) out[k] = x + 0;
  }
  return out;
}

/** Parses one decoded JSON object; returns undefined when it is not a usable event. */
export function parseEventObject(o: unknown): MlEvent | undefined {
  if (!o || typeof o !== 'object') return undefined;
  const r = o as Record<string, unknown>;
  const type = r.type;
  const itemId = str(r.itemId);
  const ts = parseTs(r.ts);
  if (typeof type !== 'string' || !itemId || ts === undefined) return undefined;
  const eventId = str(r.eventId) ?? '';
  if (INTERACTIONS.has(type)) {
    const userId = str(r.userId);
    if (!userId) return undefined;
    const ev: InteractionEvent = { kind: 'interaction', eventId, type: type as InteractionType, userId, itemId, ts };
    if (typeof r.requestId === 'string') ev.requestId = r.requestId;
    if (typeof r.position === 'number' && Number.isFinite(r.position)) ev.position = r.position + 0;
    const ctx = plainRecord(r.context);
    if (ctx) ev.context = ctx;
    return ev;
  }
  if (type === 'product_upsert' || type === 'product_delete') {
    const ev: ProductEvent = { kind: 'product', eventId, type, itemId, ts };
    if (type === 'product_delete') return ev;
    if (typeof r.title === 'string') ev.title = r.title;
    if (typeof r.description === 'string') ev.description = r.description;
    // as the contract normalises it: a string is one category, an array is a path
    if (typeof r.category === 'string') {
      if (r.category.length > 0) ev.category = [r.category];
    } else if (Array.isArray(r.category)) ev.category = r.category.filter((s): s is string => typeof s === 'string');
    if (typeof r.brand === 'string') ev.brand = r.brand;
    if (typeof r.price === 'number' && Number.isFinite(r.price)) ev.price = r.price + 0;
    if (Array.isArray(r.imageEmbedding)) {
      const image = float32Values(r.imageEmbedding);
      if (image) ev.imageEmbedding = image;
    }
    const attrs = plainRecord(r.attributes);
    if (attrs) ev.attributes = attrs;
    return ev;
  }
  return undefined;
}

/** Parses one JSONL line; undefined when it is blank, not JSON or not a usable event. */
export function parseEventLine(line: string): MlEvent | undefined {
  const t = line.trim();
  if (t.length === 0) return undefined;
  try {
    return parseEventObject(JSON.parse(t));
  } catch {
    return undefined;
  }
}

/** Events of a JSONL text in ts order, and how many non-blank lines were not usable. */
export interface ParsedEvents {
  events: MlEvent[];
  skipped: number;
}

/** Parses JSONL text and sorts by ts (file order breaks ties). Blank lines are ignored; unusable lines are counted. */
export function parseJsonl(text: string): ParsedEvents {
  const events: MlEvent[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim().length === 0) continue;
    const ev = parseEventLine(line);
    if (ev) events.push(ev);
    else skipped++;
  }
  return { events: sortEvents(events), skipped };
}

/** Stable sort by ts. */
export function sortEvents(events: MlEvent[]): MlEvent[] {
  const idx = events.map((e, i) => ({ e, i }));
  idx.sort((a, b) => a.e.ts - b.e.ts || a.i - b.i);
  return idx.map((x) => x.e);
}

/**
 * A bigint column as a read returns it: node-postgres gives a string, the TypeORM entities' transformer a number; a Date
 * or a bigint are taken too.
 */
export type StoredTimestamp = number | string | bigint | Date;

/**
 * One row of the `interactions` table (libs/storage migrations), by column name, as a raw `SELECT` through node-postgres
 * returns it. Columns the adapter does not read (`seq`, `model_version`, `source_*`, `ingested_at`) may be present.
 * Nullable columns may also be left out of the `SELECT`.
 */
export interface StoredInteraction {
  event_id: string;
  /** varchar(16): one of the interaction types (a row of another type is not an event: the adapter skips it). */
  type: string;
  user_id: string;
  item_id: string;
  /** bigint, epoch milliseconds. */
  ts: StoredTimestamp;
  request_id?: string | null;
  /** int. */
  position?: number | null;
  /** jsonb: the event's context as stored (keys in jsonb's order, nested values kept). */
  context?: Record<string, unknown> | null;
  /** Flagged by the ingest abuse filter: stored but never trained on, so the adapter skips it. Default false. */
  abusive?: boolean;
}

/**
 * One row of the `products` table (the newest state of an item; a delete is kept as a tombstone holding the content it
 * had before), by column name, as a raw `SELECT` through node-postgres returns it. `seq` and `updated_at` may be present.
 */
export interface StoredProduct {
  item_id: string;
  event_id: string;
  /** bigint, epoch milliseconds of the event that wrote the row. */
  ts: StoredTimestamp;
  /** True when the newest event was a `product_delete`. */
  deleted: boolean;
  title?: string | null;
  description?: string | null;
  /** text[]: the contract's normalised category path (a string category is stored as a one-element path). */
  category?: readonly string[] | null;
  brand?: string | null;
  /** double precision. */
  price?: number | null;
  /** real[]: node-postgres parses it into numbers (float32 values printed shortest, so they round-trip). */
  image_embedding?: readonly number[] | Float32Array | null;
  /** jsonb: string values (the contract's attributes). */
  attributes?: Record<string, unknown> | null;
}

function storedMs(ts: StoredTimestamp): number {
  if (ts instanceof Date) return ts.getTime();
  return Number(ts);
}

/**
 * The ml event of a stored interaction: the same `MlEvent` the JSONL parser gives for the JSON event that the ingest
 * service stored as this row. Returns undefined for a row flagged `abusive` (excluded from training) or one that is not
 * a usable interaction.
 */
export function fromStoredInteraction(row: StoredInteraction): InteractionEvent | undefined {
  if (row.abusive === true || !INTERACTIONS.has(row.type)) return undefined;
  const ev = parseEventObject({
    eventId: row.event_id,
    type: row.type,
    userId: row.user_id,
    itemId: row.item_id,
    ts: storedMs(row.ts),
    requestId: row.request_id ?? undefined,
    position: row.position ?? undefined,
    context: row.context ?? undefined,
  });
  return ev?.kind === 'interaction' ? ev : undefined;
}

/**
 * The ml event of a stored product row: a `product_delete` for a tombstone (its kept content is not an event's), else
 * the same `product_upsert` the JSONL parser gives for the JSON event stored as this row (image values are float32 in
 * both). Returns undefined for a row that is not a usable product.
 */
export function fromStoredProduct(row: StoredProduct): ProductEvent | undefined {
  const ev = parseEventObject({
    eventId: row.event_id,
    type: row.deleted ? 'product_delete' : 'product_upsert',
    itemId: row.item_id,
    ts: storedMs(row.ts),
    title: row.title ?? undefined,
    description: row.description ?? undefined,
    category: row.category ? Array.from(row.category) : undefined,
    brand: row.brand ?? undefined,
    price: row.price ?? undefined,
    imageEmbedding: row.image_embedding ? Array.from(row.image_embedding) : undefined,
    attributes: row.attributes ?? undefined,
  });
  return ev?.kind === 'product' ? ev : undefined;
}
