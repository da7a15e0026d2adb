/**
 * The shared contract fixtures, from both sides: validated here, written as the ingest repository writes rows, read back
 * as node-postgres returns the columns, and turned into ml events by ml's adapter; they must equal what ml's JSONL
 * parser makes of the same JSON (the eval's input), with the same content keys. test/integration/stored-events.spec.ts
 * runs the same fixtures through a real PostgreSQL.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EventValidator, isInteraction, type InteractionEvent, type ProductEvent, type RecsysEvent } from '@recsys/contracts';
import { interactionRow, productRow } from '@recsys/ingestion';
import { Catalog, contentKeys, fromStoredInteraction, fromStoredProduct, parseJsonl, type MlEvent, type StoredInteraction, type StoredProduct } from '@recsys/ml';

const FIXTURE: Record<string, unknown>[] = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/contract-events.json'), 'utf8'));
const IMAGE_DIM = 4;


/** jsonb keeps an object's keys shortest first, then in byte order (and the last of duplicate keys). */
function jsonb(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(jsonb);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return Object.fromEntries(keys.map((k) => [k, jsonb((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** A real value as PostgreSQL prints it (the shortest decimal that reads back as the same float32), parsed by node-postgres. */
function real(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return s;
  }
  return f;
}

/** The row read back with node-postgres: bigint as a string, real[] printed shortest, jsonb reordered. */
function readInteraction(written: ReturnType<typeof interactionRow>): StoredInteraction {
  const w = JSON.parse(JSON.stringify(written)) as ReturnType<typeof interactionRow>;
  return { ...w, ts: String(w.ts), context: jsonb(w.context) as Record<string, unknown> | null, abusive: false };
}

/** The products table: the newest state per item; a delete keeps the content the item had. */
function upsert(table: Map<string, StoredProduct>, written: ReturnType<typeof productRow>): void {
  const w = JSON.parse(JSON.stringify(written)) as ReturnType<typeof productRow>;
  const old = table.get(w.item_id);
  if (old && Number(old.ts) > w.ts) return;
  const content = w.deleted && old ? old : w;
  table.set(w.item_id, {
    item_id: w.item_id,
    event_id: w.event_id,
    ts: String(w.ts),
    deleted: w.deleted,
    title: content.title,
    description: content.description,
    category: content.category,
    brand: content.brand,
    price: content.price,
    image_embedding: content.image_embedding ? content.image_embedding.map(real) : null,
    attributes: jsonb(content.attributes) as Record<string, unknown> | null,
  });
}

function validated(): RecsysEvent[] {
  const v = new EventValidator({ imageEmbeddingDim: IMAGE_DIM });
  return FIXTURE.map((raw) => {
    const r = v.parse(JSON.stringify(raw));
    if (!r.ok) throw new Error(`fixture ${String(raw.eventId)} refused: ${r.error.message}`);
    return r.event;
  });
}

function viaStorage(events: readonly RecsysEvent[]): Map<string, MlEvent | undefined> {
  const table = new Map<string, StoredProduct>();
  const out = new Map<string, MlEvent | undefined>();
  for (const e of events) {
    if (isInteraction(e)) out.set(e.eventId, fromStoredInteraction(readInteraction(interactionRow(e))));
    else {
      const p = e as ProductEvent;
      upsert(table, productRow(p));
      out.set(p.eventId, fromStoredProduct(table.get(p.itemId) as StoredProduct));
    }
  }
  return out;
}

function viaJsonl(): Map<string, MlEvent> {
  const { events, skipped } = parseJsonl(FIXTURE.map((e) => JSON.stringify(e)).join('\n'));
  expect(skipped).toBe(0);
  return new Map(events.map((e) => [e.eventId, e]));
}

describe('contract events stored as the ingest service stores them, read by ml', () => {
  it('accepts every shared fixture', () => {
    expect(validated()).toHaveLength(FIXTURE.length);
  });

  it('gives the same ml events through PostgreSQL rows as ml\'s JSONL parser gives the eval', () => {
    const stored = viaStorage(validated());
    const parsed = viaJsonl();
    expect(stored.size).toBe(FIXTURE.length);
    for (const [id, e] of parsed) expect(stored.get(id)).toEqual(e);
  });

  it('keeps a category string as one category, as the validator normalises it', () => {
    const ev = new Map(validated().map((e) => [e.eventId, e]));
    const parsed = viaJsonl();
    for (const id of ['p-1', 'p-2', 'p-4']) {
      const v = ev.get(id) as ProductEvent;
      expect(v.category).toHaveLength(1);
      expect((parsed.get(id) as ProductEvent).category).toEqual(v.category);
    }
    expect((parsed.get('p-5') as ProductEvent).category).toEqual((ev.get('p-5') as ProductEvent).category);
  });

  it('computes the same content keys and image vectors from the stored rows as from the JSON', () => {
    const stored = viaStorage(validated());
    const parsed = viaJsonl();
    const a = new Catalog(IMAGE_DIM);
    const b = new Catalog(IMAGE_DIM);
    let upserts = 0;
    for (const [id, e] of parsed) {
      if (e.kind !== 'product' || e.type !== 'product_upsert') continue;
      const s = stored.get(id) as ProductEvent;
      expect(contentKeys(s)).toEqual(contentKeys(e));
      const i = a.upsert(e.itemId, e);
      const j = b.upsert(s.itemId, s);
      expect(b.content[j]).toEqual(a.content[i]);
      expect(b.images[j]).toEqual(a.images[i]);
      upserts++;
    }
    expect(upserts).toBe(6);
  });

  it('reads a delete\'s tombstone, which keeps the item\'s old content, as a bare delete', () => {
    const stored = viaStorage(validated());
    expect(stored.get('p-6')).toEqual({ kind: 'product', eventId: 'p-6', type: 'product_delete', itemId: 'sku-4', ts: 1700000009000 });
  });
});
