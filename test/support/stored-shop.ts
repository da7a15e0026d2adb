import type { DataSource } from 'typeorm';
import type { InteractionEvent, MlEvent, ProductEvent } from '@recsys/ml';

/** An ml event as the contract's JSON event (what a producer sends). */
export function contractJson(e: MlEvent): Record<string, unknown> {
  const { kind: _kind, ...rest } = e as MlEvent & { kind: string };
  return rest;
}

/**
 * Writes events straight into PostgreSQL as the ingest service stores them (one transaction per `perTransaction`
 * rows): for tests and benches of the trainer that are not about ingestion.
 */
export async function storeEvents(ds: DataSource, events: readonly MlEvent[], perTransaction = 5000): Promise<void> {
  const interactions = events.filter((e): e is InteractionEvent => e.kind === 'interaction');
  const products = events.filter((e): e is ProductEvent => e.kind === 'product');
  for (let i = 0; i < products.length; i += perTransaction) {
    const rows = products.slice(i, i + perTransaction).map((p) => ({
      item_id: p.itemId,
      event_id: p.eventId,
      ts: p.ts,
      deleted: p.type === 'product_delete',
      title: p.title ?? null,
      description: p.description ?? null,
      category: p.category ?? null,
      brand: p.brand ?? null,
      price: p.price ?? null,
      image_embedding: p.imageEmbedding ?? null,
      attributes: p.attributes ?? null,
    }));
    await ds.query(
      `INSERT INTO products (item_id, event_id, ts, deleted, title, description, category, brand, price, image_embedding, attributes)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(item_id varchar, event_id varchar, ts bigint, deleted boolean,
         title text, description text, category text[], brand text, price double precision, image_embedding real[], attributes jsonb)
       ON CONFLICT (item_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }
  for (let i = 0; i < interactions.length; i += perTransaction) {
    const rows = interactions.slice(i, i + perTransaction).map((e) => ({
      event_id: e.eventId,
      type: e.type,
      user_id: e.userId,
      item_id: e.itemId,
      ts: e.ts,
      request_id: e.requestId ?? null,
      position: e.position ?? null,
      context: e.context ?? null,
    }));
    await ds.query(
      `INSERT INTO interactions (event_id, type, user_id, item_id, ts, request_id, position, context)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id varchar, type varchar, user_id varchar, item_id varchar, ts bigint,
         request_id varchar, position int, context jsonb)
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }
}
