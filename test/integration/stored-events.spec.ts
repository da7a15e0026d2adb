/**
 * The shared contract fixtures through a real PostgreSQL: validated, stored by the ingest repository, read back with a
 * plain SELECT and turned into ml events by ml's adapter; they must equal what ml's JSONL parser gives the eval.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DataSource } from 'typeorm';
import { EventValidator, isInteraction, type InteractionEvent, type ProductEvent } from '@recsys/contracts';
import { IngestRepository, type PreparedMessage } from '@recsys/ingestion';
import { contentKeys, fromStoredInteraction, fromStoredProduct, parseJsonl, type MlEvent, type StoredInteraction, type StoredProduct } from '@recsys/ml';
import { openDatabase } from '@recsys/storage';
import { dropSchema, isolatedConfig } from '../support/test-env';

const FIXTURE: Record<string, unknown>[] = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/contract-events.json'), 'utf8'));

describe('contract events stored in PostgreSQL and read by ml', () => {
  const config = isolatedConfig({ IMAGE_EMBEDDING_DIM: '4' });
  let ds: DataSource;

  beforeAll(async () => {
    ds = await openDatabase(config, { poolSize: 2 });
  });
  afterAll(async () => {
    await ds?.destroy();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('gives the ml events the JSONL parser gives, with the same content keys', async () => {
    const validator = new EventValidator({ imageEmbeddingDim: 4 });
    const interactions: PreparedMessage[] = [];
    const products: PreparedMessage[] = [];
    FIXTURE.forEach((raw, offset) => {
      const r = validator.parse(JSON.stringify(raw));
      if (!r.ok) throw new Error(`fixture ${String(raw.eventId)} refused: ${r.error.message}`);
      if (isInteraction(r.event)) interactions.push({ offset, kind: 'interaction', event: r.event as InteractionEvent, modelVersion: null });
      else products.push({ offset, kind: 'product', event: r.event as ProductEvent });
    });
    const repo = new IngestRepository(ds, 1000);
    await repo.applyBatch('stored-events.products', 0, products);
    await repo.applyBatch('stored-events.interactions', 0, interactions);

    const parsed = new Map<string, MlEvent>(parseJsonl(FIXTURE.map((e) => JSON.stringify(e)).join('\n')).events.map((e) => [e.eventId, e]));
    const interactionRows: StoredInteraction[] = await ds.query(`SELECT * FROM interactions ORDER BY seq`);
    expect(interactionRows).toHaveLength(interactions.length);
    for (const row of interactionRows) expect(fromStoredInteraction(row)).toEqual(parsed.get(row.event_id));

    // the table keeps each item's newest state: compare it with the newest event of the item
    const newest = new Map<string, MlEvent>();
    for (const e of parsed.values()) if (e.kind === 'product' && (newest.get(e.itemId)?.ts ?? -Infinity) <= e.ts) newest.set(e.itemId, e);
    const productRows: StoredProduct[] = await ds.query(`SELECT * FROM products ORDER BY item_id`);
    expect(productRows.map((r) => r.item_id)).toEqual(Array.from(newest.keys()).sort());
    for (const row of productRows) {
      const fromRow = fromStoredProduct(row);
      const expected = newest.get(row.item_id) as ProductEvent;
      expect(fromRow).toEqual(expected);
      if (expected.type === 'product_upsert') expect(contentKeys(fromRow as ProductEvent)).toEqual(contentKeys(expected));
    }
    // the tombstone of sku-4 still holds its old content, which the adapter does not turn into an event's
    expect(productRows.find((r) => r.item_id === 'sku-4')).toMatchObject({ deleted: true, title: "Chef's knife" });
  });
});
