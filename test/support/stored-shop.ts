import type { DataSource } from 'typeorm';
import { interactionRow, productRow } from '@recsys/ingestion';
import type { InteractionEvent, MlEvent, ProductEvent } from '@recsys/ml';

/** An ml event as the contract's JSON event (what a producer sends). */
export function contractJson(e: MlEvent): Record<string, unknown> {
  const { kind: _kind, ...rest } = e as MlEvent & { kind: string };
  return rest;
}

/**
 * Writes events straight into PostgreSQL as the ingest service stores them (the same row builders, one transaction
 * per `perTransaction` rows): for tests and benches of the trainer that are not about ingestion.
 */
export async function storeEvents(ds: DataSource, events: readonly MlEvent[], perTransaction = 5000): Promise<void> {
  const interactions = events.filter((e): e is InteractionEvent => e.kind === 'interaction');
  const products = events.filter((e): e is ProductEvent => e.kind === 'product');
  for (let i = 0; i < products.length; i += perTransaction) {
    await ds.query(
      `INSERT INTO products (item_id, event_id, ts, deleted, title, description, category, brand, price, image_embedding, attributes)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(item_id varchar, event_id varchar, ts bigint, deleted boolean,
         title text, description text, category text[], brand text, price double precision, image_embedding real[], attributes jsonb)
       ON CONFLICT (item_id) DO NOTHING`,
      // ml's product type allows non-string attribute values; the events written here are contract events
      [JSON.stringify(products.slice(i, i + perTransaction).map((p) => productRow(p as Parameters<typeof productRow>[0])))],
    );
  }
  for (let i = 0; i < interactions.length; i += perTransaction) {
    await ds.query(
      `INSERT INTO interactions (event_id, type, user_id, item_id, ts, request_id, position, context, model_version, source_offset)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id varchar, type varchar, user_id varchar, item_id varchar, ts bigint,
         request_id varchar, position int, context jsonb, model_version varchar, source_offset bigint)
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(interactions.slice(i, i + perTransaction).map((e) => interactionRow(e as Parameters<typeof interactionRow>[0])))],
    );
  }
}
