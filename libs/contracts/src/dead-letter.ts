/** Body of a `recsys.dead-letter` message: why, what, and where it came from. */
export interface DeadLetterRecord {
  reason: { code: string; message: string };
  source: { topic: string; partition: number; offset: string } | { http: string };
  /** The original message bytes, base64-encoded (they may not be valid UTF-8); only their start when `originalTruncated`. */
  originalBase64: string;
  /** Size of the whole original in bytes. */
  originalBytes?: number;
  /** sha256 (hex) of the whole original. */
  originalSha256?: string;
  /** True when the original was too large to carry whole on the topic (it is kept whole in the `dead_letters` table). */
  originalTruncated?: boolean;
  /** The original key, base64-encoded, if any. */
  keyBase64?: string;
  deadLetteredAt: string;
}
