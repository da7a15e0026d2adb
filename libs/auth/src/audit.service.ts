import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@recsys/storage';
import { AuditEntry, AuditRepository } from './audit.repository';

const MAX_PARAMS_CHARS = 2048;

/** The actor of a token: a short sha256 fingerprint, so the log tells tokens apart without holding one. */
export function tokenFingerprint(token: string | null): string {
  return token ? `token:${createHash('sha256').update(token).digest('hex').slice(0, 12)}` : 'anonymous';
}

/** Drops anything that could carry a credential and bounds the size. */
export function auditParams(params: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (/token|authorization|password|secret/i.test(k)) continue;
    clean[k] = v;
  }
  const text = JSON.stringify(clean);
  return text.length <= MAX_PARAMS_CHARS ? clean : { truncated: text.slice(0, MAX_PARAMS_CHARS) };
}

/** Records every admin call (who, what, with which parameters, how it ended). */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('audit');
  readonly repo: AuditRepository;

  constructor(@Inject(DATA_SOURCE) ds: DataSource) {
    this.repo = new AuditRepository(ds);
  }

  /** Writes one entry; a failure to write is logged, never turned into the call's failure. */
  async record(e: Omit<AuditEntry, 'at'>): Promise<void> {
    try {
      await this.repo.insert({ ...e, params: auditParams(e.params) });
    } catch (err) {
      this.logger.error(`audit entry not written (${e.action} by ${e.actor}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  latest(limit: number): Promise<AuditEntry[]> {
    return this.repo.latest(limit);
  }
}
