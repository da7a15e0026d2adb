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

const id = z
  .string({ error: 'must be a string' })
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
    position: z.number().int('must be an integer').min(0, 'must be >= 0').optional(),
    context: context.optional(),
  })
  .strip();

const categorySegment = z.string().min(1, 'must not be empty').max(200);

/** Builds the product schema for a given image embedding length (0 disables image features). */
export function productSchema(imageEmbeddingDim: number) {
  return z
    .object({
      eventId: id,
      type: z.enum(PRODUCT_TYPES),
      itemId: id,
      ts: timestamp,
      title: z.string().max(MAX_TITLE_LENGTH).optional(),
      description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
      category: z
        .union([categorySegment, z.array(categorySegment).min(1).max(20)])
        .transform((c) => (typeof c === 'string' ? [c] : c))
        .optional(),
      brand: z.string().max(200).optional(),
      price: finiteNumber.min(0, 'must be >= 0').optional(),
      imageEmbedding: z
        .array(finiteNumber)
        .refine((v) => imageEmbeddingDim === 0 || v.length === imageEmbeddingDim, `must have exactly ${imageEmbeddingDim} values`)
        // With image features disabled (dim 0) a supplied vector is accepted and not kept.
        .transform((v) => (imageEmbeddingDim === 0 ? undefined : v))
        .optional(),
      attributes: z.record(z.string(), z.string().max(1000)).optional(),
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
