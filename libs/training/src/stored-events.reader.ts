import { Client } from 'pg';
import { fromStoredInteraction, fromStoredProduct, type MlEvent, type StoredInteraction, type StoredProduct } from '@recsys/ml';

/** One page of the window: its events (unsorted) and the transaction id it ends before. */
export interface EventPage {
  events: MlEvent[];
  /** Rows read (abuse-flagged interactions are not read at all). */
  rows: number;
  /** Exclusive end of the page's transaction-id range: the cursor once the page is learnt. */
  end: bigint;
}

const INTERACTION_COLUMNS = 'event_id, type, user_id, item_id, ts, request_id, position, context';
const PRODUCT_COLUMNS = 'item_id, event_id, ts, deleted, title, description, category, brand, price, image_embedding, attributes';

/**
 * Reads stored events for the trainer by the transaction id that wrote each row. The window `[from, to)` has `to` =
 * the lowest transaction id still running when the window was opened (`watermark`): every row below it is committed
 * (or gone), so a cursor at `to` never skips a row that commits later, however the ingest transactions interleave.
 * Pages are bounded: the transaction-id range of a page adapts to the rows it finds.
 */
export class StoredEventsReader {
  private constructor(private readonly client: Client) {}

  static async open(databaseUrl: string, schema: string): Promise<StoredEventsReader> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const client = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
    await client.connect();
    return new StoredEventsReader(client);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** The window's exclusive upper bound: no transaction below it is still running. */
  async watermark(): Promise<bigint> {
    const r = await this.client.query<{ x: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x`);
    return BigInt(r.rows[0].x);
  }

  /** Rows in `[from, to)` (interactions not flagged abusive, and product rows). */
  async count(from: bigint, to: bigint): Promise<{ interactions: number; products: number }> {
    const r = await this.client.query<{ i: string; p: string }>(
      `SELECT (SELECT count(*) FROM interactions WHERE txid >= $1 AND txid < $2 AND NOT abusive) AS i,
              (SELECT count(*) FROM products WHERE txid >= $1 AND txid < $2) AS p`,
      [from.toString(), to.toString()],
    );
    return { interactions: Number(r.rows[0].i), products: Number(r.rows[0].p) };
  }

  /** The lowest transaction id of a row in `[from, to)`, or null when there is none. */
  private async firstTxid(from: bigint, to: bigint): Promise<bigint | null> {
    const r = await this.client.query<{ m: string | null }>(
      `SELECT least((SELECT min(txid) FROM interactions WHERE txid >= $1 AND txid < $2 AND NOT abusive),
                    (SELECT min(txid) FROM products WHERE txid >= $1 AND txid < $2))::text AS m`,
      [from.toString(), to.toString()],
    );
    return r.rows[0].m === null ? null : BigInt(r.rows[0].m);
  }

  private async range(a: bigint, b: bigint): Promise<{ events: MlEvent[]; rows: number }> {
    const [ri, rp] = await Promise.all([
      this.client.query<StoredInteraction>(`SELECT ${INTERACTION_COLUMNS} FROM interactions WHERE txid >= $1 AND txid < $2 AND NOT abusive`, [a.toString(), b.toString()]),
      this.client.query<StoredProduct>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE txid >= $1 AND txid < $2`, [a.toString(), b.toString()]),
    ]);
    const events: MlEvent[] = [];
    for (const row of rp.rows) {
      const e = fromStoredProduct(row);
      if (e) events.push(e);
    }
    for (const row of ri.rows) {
      const e = fromStoredInteraction(row);
      if (e) events.push(e);
    }
    return { events, rows: ri.rows.length + rp.rows.length };
  }

  /**
   * The rows of `[from, to)` in pages of at most twice `pageRows` (a page never splits one transaction's rows, so a
   * single larger transaction makes one larger page). Every row of the window is in exactly one page.
   */
  async *pages(from: bigint, to: bigint, pageRows: number): AsyncGenerator<EventPage> {
    let a = from;
    let step = 64n;
    while (a < to) {
      if (step > 1n << 40n) step = 1n << 40n;
      const first = await this.firstTxid(a, to);
      if (first === null) {
        yield { events: [], rows: 0, end: to };
        return;
      }
      a = first;
      for (;;) {
        const b = a + step < to ? a + step : to;
        const page = await this.range(a, b);
        // far too many rows for one page: narrow the range and read it again (a one-id range is read whole)
        if (page.rows > 2 * pageRows && b - a > 1n) {
          step = (b - a) / 4n > 0n ? (b - a) / 4n : 1n;
          continue;
        }
        yield { ...page, end: b };
        a = b;
        if (page.rows === 0) {
          step *= 8n;
          break;
        }
        const scaled = (step * BigInt(pageRows)) / BigInt(page.rows);
        step = scaled < 1n ? 1n : scaled > step * 8n ? step * 8n : scaled;
        if (a >= to) return;
      }
    }
  }
}
