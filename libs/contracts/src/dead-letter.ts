/** Body of a `recsys.dead-letter` message: why, what, and where it came from. */
export interface DeadLetterRecord {
  reason: { code: string; message: string };
  source: { topic: string; partition: number; offset: string } | { http: string };
  /** The original message bytes, base64-encoded (they may not be valid UTF-8). */
  originalBase64: string;
  /** The original key, base64-encoded, if any. */
  keyBase64?: string;
  deadLetteredAt: string;
}
