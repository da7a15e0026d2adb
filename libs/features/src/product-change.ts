import { ProductEvent, productSchema } from '@recsys/contracts';

/**
 * A product change that ingest applied to PostgreSQL (an upsert or delete that won over the stored state by `ts`; a
 * stale one is not a change), broadcast after its batch committed.
 */
export interface ProductChange {
  itemId: string;
  /** The stored state's event time (epoch ms). */
  ts: number;
  /** A tombstone: the item is deleted (its last content is kept in `event`). */
  deleted: boolean;
  /** The stored product state as a contract event: `product_upsert`, or `product_delete` with the content it had. */
  event: ProductEvent;
}

/** Why a product-change message could not be read. */
export class ProductChangeFormatError extends Error {
  constructor(message: string) {
    super(`not a product-change message: ${message}`);
    this.name = 'ProductChangeFormatError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads one message of the product-change channel ({@link FeatureKeys.productChanges}), validating each event with the
 * contract's product schema (an image embedding keeps the length it was stored with). Throws a
 * {@link ProductChangeFormatError} for anything else.
 */
export function parseProductChanges(message: string): ProductChange[] {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch (err) {
    throw new ProductChangeFormatError((err as Error).message);
  }
  if (!Array.isArray(raw)) throw new ProductChangeFormatError('not a JSON array');
  return raw.map((c: unknown, i) => {
    if (!isObject(c) || typeof c.itemId !== 'string' || typeof c.ts !== 'number' || typeof c.deleted !== 'boolean' || !isObject(c.event)) {
      throw new ProductChangeFormatError(`element ${i} is not {itemId, ts, deleted, event}`);
    }
    const embedding = c.event.imageEmbedding;
    const parsed = productSchema(Array.isArray(embedding) ? embedding.length : 0).safeParse(c.event);
    if (!parsed.success) throw new ProductChangeFormatError(`element ${i}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    const event = parsed.data;
    if (event.itemId !== c.itemId || event.ts !== c.ts || (event.type === 'product_delete') !== c.deleted) {
      throw new ProductChangeFormatError(`element ${i}: its event does not match its itemId, ts or deleted`);
    }
    return { itemId: c.itemId, ts: c.ts, deleted: c.deleted, event };
  });
}
