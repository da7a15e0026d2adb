import { AdminApiError, AdminNetworkError } from './admin-api.error';
import type { ActivationResult, AuditEntry, JobView, LoadFailure, LoadFailuresQuery, ModelDetail, ModelSummary, RetrainAccepted, RetrainMode } from './admin-api.types';

/** Where and how the client reaches the admin API. */
export interface AdminClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:3000` (a path prefix is kept). */
  baseUrl: string;
  /** The admin bearer token (`ADMIN_TOKEN`). An empty string sends no `Authorization` header, which the API answers with 401. */
  token: string;
  /** A request that has not answered within this many ms fails with an `AdminNetworkError`. Default 30000. */
  timeoutMs?: number;
}

/** Default of `AdminClientOptions.timeoutMs`. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A typed client of the admin HTTP API (`/v1/admin/*`, CONTRACT section 4) over the global `fetch`.
 * Every method throws `AdminApiError` on a non-2xx answer and `AdminNetworkError` when the API cannot be reached.
 */
export class AdminClient {
  private readonly base: URL;
  private readonly token: string;
  private readonly timeoutMs: number;

  /** @throws TypeError when `baseUrl` is not a URL. */
  constructor(options: AdminClientOptions) {
    // A trailing slash makes relative paths resolve under a prefix (`http://h/recsys/` + `v1/...`).
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Queues a training run (`POST /v1/admin/retrain`); it waits behind a run already going. */
  retrain(mode: RetrainMode): Promise<RetrainAccepted> {
    return this.request('POST', 'v1/admin/retrain', { mode });
  }

  /** One training job (`GET /v1/admin/jobs/{jobId}`). */
  job(jobId: string): Promise<JobView> {
    return this.request('GET', `v1/admin/jobs/${encodeURIComponent(jobId)}`);
  }

  /** The latest training jobs, newest first (`GET /v1/admin/jobs`); `limit` 1..200, the API's default 20 when omitted. */
  jobs(limit?: number): Promise<JobView[]> {
    return this.request('GET', `v1/admin/jobs${limitQuery(limit)}`);
  }

  /** Every model version (`GET /v1/admin/models`). */
  models(): Promise<ModelSummary[]> {
    return this.request('GET', 'v1/admin/models');
  }

  /** One version with its gate comparison and lineage (`GET /v1/admin/models/{version}`). */
  model(version: string): Promise<ModelDetail> {
    return this.request('GET', `v1/admin/models/${encodeURIComponent(version)}`);
  }

  /**
   * Makes `version` the served model (`POST /v1/admin/models/{version}/activate`): a rollback or a roll forward.
   * The API refuses a rejected version unless `force` is true. Default `force` false.
   */
  activate(version: string, force = false): Promise<ActivationResult> {
    return this.request('POST', `v1/admin/models/${encodeURIComponent(version)}/activate`, force ? { force: true } : {});
  }

  /** The latest admin actions, newest first (`GET /v1/admin/audit`); `limit` 1..1000, the API's default 100 when omitted. */
  audit(limit?: number): Promise<AuditEntry[]> {
    return this.request('GET', `v1/admin/audit${limitQuery(limit)}`);
  }

  /**
   * The model artifacts API processes refused to serve, newest first (`GET /v1/admin/load-failures`); `limit` 1..1000,
   * the API's default 100 when omitted; `version` keeps that version's only. Default: every version's.
   */
  loadFailures(query: LoadFailuresQuery = {}): Promise<LoadFailure[]> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.version !== undefined) params.set('version', query.version);
    const qs = params.toString();
    return this.request('GET', `v1/admin/load-failures${qs ? `?${qs}` : ''}`);
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.base).toString();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw new AdminNetworkError(url, `cannot reach ${url}: ${describeFetchFailure(err, this.timeoutMs)}`, { cause: err });
    }
    const json = parseJson(text);
    if (!res.ok) {
      const { code, message } = errorBody(json) ?? { code: `http_${res.status}`, message: `${method} ${url} answered ${res.status} ${res.statusText}`.trim() };
      throw new AdminApiError(res.status, code, message, url);
    }
    if (json === undefined) throw new AdminNetworkError(url, `${method} ${url} answered ${res.status} with a body that is not JSON`);
    return json as T;
  }
}

function limitQuery(limit: number | undefined): string {
  return limit === undefined ? '' : `?limit=${encodeURIComponent(String(limit))}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorBody(json: unknown): { code: string; message: string } | null {
  if (typeof json !== 'object' || json === null) return null;
  const error = (json as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' ? { code, message: typeof message === 'string' ? message : code } : null;
}

// undici reports every failure as "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is in the cause. Duck-typed,
// not `instanceof Error`: undici's errors may come from another realm (a Jest sandbox, a worker).
function describeFetchFailure(err: unknown, timeoutMs: number): string {
  const { name, message, cause } = fields(err);
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const inner = fields(cause);
  return inner.message || inner.code || message || String(err);
}

function fields(value: unknown): { name?: string; message?: string; code?: string; cause?: unknown } {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const text = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);
  return { name: text(v.name), message: text(v.message), code: text(v.code), cause: v.cause };
}
