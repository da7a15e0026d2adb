/** Light parser for the service's JSONL events (interactions and product events). ml keeps its own copy so it stays free of libs/. */
export type InteractionType = 'impression' | 'click' | 'add_to_cart' | 'purchase';
export type ContextValue = string | number | boolean;

export interface InteractionEvent {
  kind: 'interaction';
  eventId: string;
  type: InteractionType;
  userId: string;
  itemId: string;
  ts: number;
  requestId?: string;
  position?: number;
  context?: Record<string, ContextValue>;
}

export interface ProductContent {
  title?: string;
  description?: string;
  category?: string[];
  brand?: string;
  price?: number;
  imageEmbedding?: number[];
  attributes?: Record<string, ContextValue>;
}

export interface ProductEvent extends ProductContent {
  kind: 'product';
  eventId: string;
  type: 'product_upsert' | 'product_delete';
  itemId: string;
  ts: number;
}

export type MlEvent = InteractionEvent | ProductEvent;

const INTERACTIONS = new Set<string>(['impression', 'click', 'add_to_cart', 'purchase']);
const POSITIVES = new Set<string>(['click', 'add_to_cart', 'purchase']);

export function isPositive(e: MlEvent): e is InteractionEvent {
  return e.kind === 'interaction' && POSITIVES.has(e.type);
}

function parseTs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
    const d = Date.parse(v);
    if (Number.isFinite(d)) return d;
  }
  return undefined;
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
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = x;
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
    if (typeof r.position === 'number' && Number.isFinite(r.position)) ev.position = r.position;
    const ctx = plainRecord(r.context);
    if (ctx) ev.context = ctx;
    return ev;
  }
  if (type === 'product_upsert' || type === 'product_delete') {
    const ev: ProductEvent = { kind: 'product', eventId, type, itemId, ts };
    if (typeof r.title === 'string') ev.title = r.title;
    if (typeof r.description === 'string') ev.description = r.description;
    if (typeof r.category === 'string') ev.category = r.category.split(/\s*[>/|]\s*/).filter((s) => s.length > 0);
    else if (Array.isArray(r.category)) ev.category = r.category.filter((s): s is string => typeof s === 'string');
    if (typeof r.brand === 'string') ev.brand = r.brand;
    if (typeof r.price === 'number' && Number.isFinite(r.price)) ev.price = r.price;
    if (Array.isArray(r.imageEmbedding) && r.imageEmbedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      ev.imageEmbedding = r.imageEmbedding as number[];
    }
    const attrs = plainRecord(r.attributes);
    if (attrs) ev.attributes = attrs;
    return ev;
  }
  return undefined;
}

export function parseEventLine(line: string): MlEvent | undefined {
  const t = line.trim();
  if (t.length === 0) return undefined;
  try {
    return parseEventObject(JSON.parse(t));
  } catch {
    return undefined;
  }
}

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
