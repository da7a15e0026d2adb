import { randomBytes } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@recsys/config';
import { signRequestId, verifyRequestId } from '@recsys/contracts';

/** The `service_secrets` row that holds the request-id key when REQUEST_ID_SECRET is unset. */
export const REQUEST_ID_SECRET_NAME = 'request-id';
/** Bytes of a generated request-id key. */
const GENERATED_KEY_BYTES = 32;

/**
 * Signs the request ids of recommendation answers with the model version that served them, and reads the version
 * back from an id an event echoes (see `signRequestId` in @recsys/contracts). Every process must hold the same key:
 * REQUEST_ID_SECRET when set, else a random key kept in PostgreSQL (`service_secrets`), created by whichever process
 * loads it first (an insert that does nothing when the row exists, then a read, so processes starting together agree).
 * The key is loaded on module init (StorageModule provides one; elsewhere call `onModuleInit` once); `sign` and
 * `verify` throw before that.
 */
@Injectable()
export class RequestIdSigner implements OnModuleInit {
  private key: Buffer | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly config: Pick<AppConfig, 'REQUEST_ID_SECRET'>,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.key) return;
    if (this.config.REQUEST_ID_SECRET !== undefined) {
      this.key = Buffer.from(this.config.REQUEST_ID_SECRET, 'utf8');
      return;
    }
    await this.ds.query(`INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
      REQUEST_ID_SECRET_NAME,
      randomBytes(GENERATED_KEY_BYTES),
    ]);
    const rows: { value: Buffer }[] = await this.ds.query(`SELECT value FROM service_secrets WHERE name = $1`, [REQUEST_ID_SECRET_NAME]);
    if (rows.length !== 1) throw new Error(`service_secrets has no '${REQUEST_ID_SECRET_NAME}' row after creating it`);
    this.key = rows[0].value;
  }

  /** A fresh request id that carries `modelVersion` (1..64 bytes), signed. */
  sign(modelVersion: string): string {
    return signRequestId(modelVersion, this.loadedKey());
  }

  /** The model version `requestId` was signed for with this key, or null (not a signed id, forged, or another key's). */
  verify(requestId: string): string | null {
    return verifyRequestId(requestId, this.loadedKey());
  }

  private loadedKey(): Buffer {
    if (!this.key) throw new Error('RequestIdSigner used before its key was loaded (onModuleInit)');
    return this.key;
  }
}
