import type { ConfigInput } from '@recsys/config';
import { eventually } from './test-env';

/** An answer of `GET /v1/recommendations` or `POST /v1/rank` (or the contract's error). */
export interface Answer {
  requestId: string;
  modelVersion: string;
  items: { itemId: string; score: number }[];
  error?: { code: string; message: string };
}

/** The admin calls the scoring tests make against a running API: JSON in and out with the bearer token. */
export class AdminCalls {
  constructor(
    private readonly url: () => string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url()}${route}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as T;
  }

  /** Starts a retrain and waits for its job; returns the version it published (fails the test otherwise). */
  async retrain(mode: 'incremental' | 'full' = 'incremental'): Promise<string> {
    const { jobId } = await this.call<{ jobId: string }>('POST', '/v1/admin/retrain', { mode });
    let version: string | null = null;
    let last: unknown = null;
    const done = await eventually(async () => {
      const job = await this.call<{ state: string; result?: { outcome: string; modelVersion: string }; error?: string }>('GET', `/v1/admin/jobs/${jobId}`);
      last = { state: job.state, result: job.result, error: job.error };
      if (job.state === 'completed' && job.result?.outcome === 'published') version = job.result.modelVersion;
      return job.state === 'completed' || job.state === 'failed';
    }, 240_000, 250);
    if (!done || version === null) throw new Error(`retrain job ${jobId} published no version: ${JSON.stringify(last)}`);
    return version;
  }
}

/**
 * The configuration of a scoring test's API, ingest and trainer on ports `base`, `base + 1`, `base + 2`: its own model
 * directory, a gate that small shops pass, no scheduled step (the test retrains), a fast registry poll.
 */
export function scoringConfig(base: number, modelDir: string, token: string): ConfigInput {
  return {
    PORT: String(base),
    INGEST_PORT: String(base + 1),
    TRAINER_PORT: String(base + 2),
    HOST: '127.0.0.1',
    ADMIN_TOKEN: token,
    MODEL_DIR: modelDir,
    GATE_MIN_POSITIVES: '50',
    GATE_TOLERANCE: '0.5',
    TRAIN_SCHEDULE: '0 0 1 1 *',
    REGISTRY_POLL_MS: '1000',
    ML_BACKEND: 'wasm',
  };
}
