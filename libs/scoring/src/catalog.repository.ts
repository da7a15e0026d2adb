import type { DataSource } from 'typeorm';
import type { StoredProduct } from '@recsys/ml-serving';

/** A stored product row with the id of the transaction that last wrote it. */
export type ChangedProduct = StoredProduct & { txid: string };

const COLUMNS = `item_id, event_id, ts, deleted, title, description, category, brand, price, image_embedding, attributes, txid::text AS txid`;

/** The scoring side's reads of the product table (PostgreSQL holds the truth; Redis only announces changes). */
export class CatalogRepository {
  constructor(private readonly ds: DataSource) {}

  /** The oldest transaction still running: every row written by a transaction below it is visible now. */
  async snapshotXmin(): Promise<string> {
    const [{ x }] = await this.ds.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x`);
    return String(x);
  }

  /** Products written by transactions from `txid` on, oldest transaction first, a page of at most `limit` after `afterItem` within the same txid. */
  async changedSince(txid: string, limit = 5000, after?: { txid: string; itemId: string }): Promise<ChangedProduct[]> {
    if (after) {
      return this.ds.query(`SELECT ${COLUMNS} FROM products WHERE txid >= $1 AND (txid, item_id) > ($2::bigint, $3) ORDER BY txid, item_id LIMIT $4`, [
        txid,
        after.txid,
        after.itemId,
        limit,
      ]);
    }
    return this.ds.query(`SELECT ${COLUMNS} FROM products WHERE txid >= $1 ORDER BY txid, item_id LIMIT $2`, [txid, limit]);
  }

  /** Every live product's category path (the category filter's index), a page after `afterItem`. */
  async categories(limit = 20_000, afterItem = ''): Promise<{ item_id: string; category: string[] | null }[]> {
    return this.ds.query(`SELECT item_id, category FROM products WHERE NOT deleted AND item_id > $1 ORDER BY item_id LIMIT $2`, [afterItem, limit]);
  }
}
