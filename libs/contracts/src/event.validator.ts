import type { ZodError } from 'zod/v4';
import {
  INTERACTION_SCHEMA,
  INTERACTION_TYPES,
  MAX_EVENT_BYTES,
  PRODUCT_TYPES,
  productSchema,
  InteractionEvent,
  ProductEvent,
  RecsysEvent,
} from './events.schema';

/** Why an event was refused (`unstorable`: valid by the schema, refused by PostgreSQL); `code` is stable and machine-readable. */
export type RejectionCode = 'not_json' | 'not_object' | 'too_large' | 'unknown_type' | 'invalid_field' | 'wrong_kind' | 'unstorable';

export interface Rejection {
  code: RejectionCode;
  message: string;
}

export type ValidationResult<T> = { ok: true; event: T } | { ok: false; error: Rejection };

/** Which events a validator accepts: interactions, products, or both. */
export type EventKind = 'interaction' | 'product' | 'any';

export interface ValidatorOptions {
  /** Length of `imageEmbedding` (IMAGE_EMBEDDING_DIM). Default 0 (image features off). */
  imageEmbeddingDim?: number;
}

const INTERACTION_TYPE_SET: ReadonlySet<string> = new Set(INTERACTION_TYPES);
const PRODUCT_TYPE_SET: ReadonlySet<string> = new Set(PRODUCT_TYPES);

/**
 * Validates events against CONTRACT section 3: the single implementation used by the HTTP API,
 * the Kafka consumers and the tools. Never throws on bad input.
 */
export class EventValidator {
  private readonly product: ReturnType<typeof productSchema>;

  constructor(options: ValidatorOptions = {}) {
    this.product = productSchema(options.imageEmbeddingDim ?? 0);
  }

  /** Validates raw message bytes (a Kafka value or a JSONL line). */
  parse(raw: Buffer | string | null | undefined, kind: 'interaction'): ValidationResult<InteractionEvent>;
  parse(raw: Buffer | string | null | undefined, kind: 'product'): ValidationResult<ProductEvent>;
  parse(raw: Buffer | string | null | undefined, kind?: EventKind): ValidationResult<RecsysEvent>;
  parse(raw: Buffer | string | null | undefined, kind: EventKind = 'any'): ValidationResult<RecsysEvent> {
    if (raw === null || raw === undefined) return reject('not_json', 'empty message');
    const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
    if (size > MAX_EVENT_BYTES) return reject('too_large', `message is ${size} bytes, at most ${MAX_EVENT_BYTES} allowed`);
    let value: unknown;
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    } catch (err) {
      return reject('not_json', `not valid JSON: ${(err as Error).message}`);
    }
    return this.check(value, kind, size);
  }

  /** Validates an already-parsed value (an element of a `POST /v1/events` body). */
  validate(value: unknown, kind: EventKind = 'any'): ValidationResult<RecsysEvent> {
    return this.check(value, kind, null);
  }

  /** `size`: the serialized size when already known (raw bytes), else measured here. */
  private check(value: unknown, kind: EventKind, size: number | null): ValidationResult<RecsysEvent> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return reject('not_object', 'event must be a JSON object');
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string' || (!INTERACTION_TYPE_SET.has(type) && !PRODUCT_TYPE_SET.has(type))) {
      return reject('unknown_type', `unknown event type ${JSON.stringify(type ?? null)}`);
    }
    const isInteraction = INTERACTION_TYPE_SET.has(type);
    if ((kind === 'interaction' && !isInteraction) || (kind === 'product' && isInteraction)) {
      return reject('wrong_kind', `a ${type} event does not belong on the ${kind} topic`);
    }
    const bytes = size ?? safeSize(value);
    if (bytes > MAX_EVENT_BYTES) return reject('too_large', `event is ${bytes} bytes, at most ${MAX_EVENT_BYTES} allowed`);
    const parsed = isInteraction ? INTERACTION_SCHEMA.safeParse(value) : this.product.safeParse(value);
    if (!parsed.success) return reject('invalid_field', describe(parsed.error));
    return { ok: true, event: parsed.data as RecsysEvent };
  }
}

function reject(code: RejectionCode, message: string): { ok: false; error: Rejection } {
  // a reason may quote the input (a field name, JSON.parse's excerpt): a U+0000 in it would make the reason unstorable
  return { ok: false, error: { code, message: message.replace(/\u0000/g, '\\u0000') } };
}

function describe(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(event)'} ${i.message}`)
    .join('; ');
}

function safeSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
