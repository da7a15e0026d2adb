import type { DataSource } from 'typeorm';

/** One admin action as `GET /v1/admin/audit` lists it. */
export interface AuditEntry {
  at: string;
  /** A fingerprint of the token used (`token:<12 hex>`), or `anonymous`; never the token. */
  actor: string;
  action: string;
  params: Record<string, unknown>;
  /** `ok`, or the error code. */
  outcome: string;
  status: number;
}

/** The `audit_log` table. */
export class AuditRepository {
  constructor(private readonly ds: DataSource) {}

  async insert(e: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.ds.query(`INSERT INTO audit_log (actor, action, params, outcome, status) VALUES ($1, $2, $3, $4, $5)`, [
      e.actor,
      e.action,
      JSON.stringify(e.params),
      e.outcome.slice(0, 200),
      e.status,
    ]);
  }

  /** The newest entries, newest first. */
  async latest(limit: number): Promise<AuditEntry[]> {
    const rows: { at: Date; actor: string; action: string; params: Record<string, unknown>; outcome: string; status: number }[] = await this.ds.query(
      `SELECT at, actor, action, params, outcome, status FROM audit_log ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ at: r.at.toISOString(), actor: r.actor, action: r.action, params: r.params, outcome: r.outcome, status: r.status }));
  }
}
