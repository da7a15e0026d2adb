import { z } from 'zod/v4';

/** Largest accepted serialized event (bytes). Larger messages are dead-lettered as `too_large`. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** Largest serialized `context` of an interaction (bytes). */
export const MAX_CONTEXT_BYTES = 2048;
/** Longest id (eventId, userId, itemId, requestId). */
export const MAX_ID_LENGTH = 128;
export const MAX_TITLE_LENGTH = 1000;
export const MAX_DESCRIPTION_LENGTH = 10_000;
/** Timestamps outside [1990-01-01, 2100-01-01) are rejected as implausible (seconds sent as milliseconds land here). */
export const MIN_TS_MS = Date.UTC(1990, 0, 1);
export const MAX_TS_MS = Date.UTC(2100, 0, 1);

export const INTERACTION_TYPES = ['impression', 'click', 'add_to_cart', 'purchase'] as const;
export const PRODUCT_TYPES = ['product_upsert', 'product_delete'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];
export type ProductType = (typeof PRODUCT_TYPES)[number];
/** Interaction types that count as positive feedback (impressions are exposure only). */
export const POSITIVE_TYPES: ReadonlySet<InteractionType> = new Set(['click', 'add_to_cart', 'purchase']);
/** Largest `position` (the `int` column that stores it). */
export const MAX_POSITION = 2 ** 31 - 1;
/** Largest magnitude of an image-embedding value (float32, the `real[]` column that stores it). */
export const MAX_FLOAT32 = 3.4028234663852886e38;

/** No string anywhere in an event may hold U+0000 (PostgreSQL's text and jsonb refuse it). */
const NO_NUL = /^[^\u0000]*$/;
const NUL_MESSAGE = 'must not contain U+0000';
const text = () => z.string({ error: 'must be a string' }).regex(NO_NUL, NUL_MESSAGE);

/** True when a JSON value holds a U+0000 in any string, key or value, at any depth. */
function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}

const id = text()
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch milliseconds or an ISO-8601 string, normalized to epoch milliseconds. */
const timestamp = z
  .union([z.number(), z.string()], { error: 'must be epoch milliseconds or an ISO-8601 string' })
  .transform((value, ctx) => {
    let ms: number;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        ctx.addIssue({ code: 'custom', message: 'must be a finite number' });
        return z.NEVER;
      }
      ms = value;
    } else {
      ms = ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: 'custom', message: 'is not an ISO-8601 date' });
        return z.NEVER;
      }
    }
    if (ms < MIN_TS_MS || ms >= MAX_TS_MS) {
      ctx.addIssue({ code: 'custom', message: 'is outside 1990..2100 (epoch milliseconds expected)' });
      return z.NEVER;
    }
    return Math.trunc(ms);
  });

const finiteNumber = z.number({ error: 'must be a finite number' });

const context = z
  .record(z.string(), z.unknown(), { error: 'must be an object' })
  .refine((c) => !Array.isArray(c), 'must be an object')
  .refine((c) => !hasNul(c), NUL_MESSAGE)
  .refine((c) => Buffer.byteLength(JSON.stringify(c), 'utf8') <= MAX_CONTEXT_BYTES, `must be at most ${MAX_CONTEXT_BYTES} bytes serialized`);

/** A user interaction (CONTRACT section 3). */
export const INTERACTION_SCHEMA = z
  .object({
    eventId: id,
    type: z.enum(INTERACTION_TYPES),
    userId: id,
    itemId: id,
    ts: timestamp,
    requestId: id.optional(),
    position: z.number().int('must be an integer').min(0, 'must be >= 0').max(MAX_POSITION, `must be at most ${MAX_POSITION}`).optional(),
    context: context.optional(),
  })
  .strip();

const categorySegment = text().min(1, 'must not be empty').max(200);

/** Builds the product schema for a given image embedding length (0 disables image features). */
export function productSchema(imageEmbeddingDim: number) {
  return z
    .object({
      eventId: id,
      type: z.enum(PRODUCT_TYPES),
      itemId: id,
      ts: timestamp,
      title: text().max(MAX_TITLE_LENGTH).optional(),
      description: text().max(MAX_DESCRIPTION_LENGTH).optional(),
      // a string is a one-element path; as a preprocess (not a union) the reason of a bad segment reaches the client
      category: z
        .preprocess((c) => (typeof c === 'string' ? [c] : c), z.array(categorySegment, { error: 'must be a string or an array of strings' }).min(1).max(20))
        .optional(),
      brand: text().max(200).optional(),
      price: finiteNumber.min(0, 'must be >= 0').optional(),
      imageEmbedding: z
        .array(
          finiteNumber
            .min(-MAX_FLOAT32, 'must be within the float32 range')
            .max(MAX_FLOAT32, 'must be within the float32 range')
            // a non-zero value that float32 rounds to 0 is refused by the real[] column ("out of range for type real")
            .refine((x) => x === 0 || Math.fround(x) !== 0, 'must be within the float32 range (too close to 0)'),
        )
        .refine((v) => imageEmbeddingDim === 0 || v.length === imageEmbeddingDim, `must have exactly ${imageEmbeddingDim} values`)
        // With image features disabled (dim 0) a supplied vector is accepted and not kept.
        .transform((v) => (imageEmbeddingDim === 0 ? undefined : v))
        .optional(),
      attributes: z.record(z.string(), text().max(1000)).refine((a) => !hasNul(a), NUL_MESSAGE).optional(),
    })
    .strip();
}

export type InteractionEvent = z.infer<typeof INTERACTION_SCHEMA>;
export type ProductEvent = z.infer<ReturnType<typeof productSchema>>;
export type RecsysEvent = InteractionEvent | ProductEvent;

export function isInteraction(e: RecsysEvent): e is InteractionEvent {
  return (INTERACTION_TYPES as readonly string[]).includes(e.type);
}
export function isProduct(e: RecsysEvent): e is ProductEvent {
  return (PRODUCT_TYPES as readonly string[]).includes(e.type);
}
