import type { DataSource } from 'typeorm';

/** One artifact an API process refused to serve, as `GET /v1/admin/load-failures` lists it. */
export interface LoadFailure {
  /** The model version that failed to load. */
  version: string;
  /** The process that tried, as the caller named it (the scoring side passes `<hostname>:<pid>`). */
  instance: string;
  /** Why, at most LOAD_FAILURE_ERROR_MAX characters. */
  error: string;
  /** When it was recorded (ISO 8601). */
  at: string;
}

/** What a caller records; `at` is the database's clock. */
export type NewLoadFailure = Omit<LoadFailure, 'at'>;

/** Longest stored `error` (characters); a longer message (a whole stack, a dump) is cut. */
export const LOAD_FAILURE_ERROR_MAX = 2000;
/** Longest stored `version` (the column is varchar(64)). */
export const LOAD_FAILURE_VERSION_MAX = 64;
/** Longest stored `instance` (the column is varchar(128)). */
export const LOAD_FAILURE_INSTANCE_MAX = 128;

interface Row {
  version: string;
  instance: string;
  error: string;
  at: Date;
}

/**
 * Cuts `s` to `max` UTF-16 units without leaving half a surrogate pair, and replaces U+0000 (PostgreSQL's text
 * refuses it; an error message quoting a corrupt file can hold one), so that recording a failure never fails on its text.
 */
function storable(s: string, max: number): string {
  let out = s.length > max ? s.slice(0, max) : s;
  if (out.length < s.length && /[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  return out.replace(/\u0000/g, '\ufffd');
}

function toFailure(r: Row): LoadFailure {
  return { version: r.version, instance: r.instance, error: r.error, at: r.at.toISOString() };
}

/** The `model_load_failures` table: one row per artifact a process refused to serve. */
export class LoadFailureRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Records a failure (`error` cut to LOAD_FAILURE_ERROR_MAX characters, `version` and `instance` to their columns).
   * Throws when PostgreSQL cannot be reached: a caller on the serving path catches it.
   */
  async record(f: NewLoadFailure): Promise<void> {
    await this.ds.query(`INSERT INTO model_load_failures (version, instance, error) VALUES ($1, $2, $3)`, [
      storable(f.version, LOAD_FAILURE_VERSION_MAX),
      storable(f.instance, LOAD_FAILURE_INSTANCE_MAX),
      storable(f.error, LOAD_FAILURE_ERROR_MAX),
    ]);
  }

  /** The newest `limit` failures of every version, newest first. */
  async recent(limit: number): Promise<LoadFailure[]> {
    const rows: Row[] = await this.ds.query(`SELECT version, instance, error, at FROM model_load_failures ORDER BY at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toFailure);
  }

  /** The newest `limit` failures of one version, newest first; none for a name no row can hold. */
  async forVersion(version: string, limit: number): Promise<LoadFailure[]> {
    // a longer name or one with U+0000 matches no row; PostgreSQL would refuse the latter rather than answer
    if (version.length > LOAD_FAILURE_VERSION_MAX || version.includes('\u0000')) return [];
    const rows: Row[] = await this.ds.query(
      `SELECT version, instance, error, at FROM model_load_failures WHERE version = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [version, limit],
    );
    return rows.map(toFailure);
  }
}
