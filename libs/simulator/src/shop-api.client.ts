import type { InteractionEvent, ProductEvent } from '@recsys/ml';

/** A recommendation answer as the simulator uses it. */
export interface ShownList {
  requestId: string;
  modelVersion: string;
  itemIds: string[];
}

/** Most events in one `POST /v1/events` body (the contract's limit). */
export const EVENTS_PER_POST = 1000;

/**
 * The scoring API as a shop frontend calls it: `GET /v1/recommendations` and `POST /v1/events`. Every side effect of
 * the simulator goes through here.
 */
export class ShopApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The API's answer for `userId` (k items), or an Error when the call failed or was refused. */
  async recommend(userId: string, k: number, device: string): Promise<ShownList> {
    const res = await fetch(`${this.baseUrl}/v1/recommendations?userId=${encodeURIComponent(userId)}&k=${k}&device=${encodeURIComponent(device)}`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await res.json()) as { requestId?: string; modelVersion?: string; items?: { itemId: string }[]; error?: { message: string } };
    if (res.status !== 200 || !body.requestId || !body.items) throw new Error(`GET /v1/recommendations answered ${res.status}: ${body.error?.message ?? 'no items'}`);
    return { requestId: body.requestId, modelVersion: body.modelVersion ?? '', itemIds: body.items.map((i) => i.itemId) };
  }

  /**
   * Publishes events through the API (at most {@link EVENTS_PER_POST} per call); resolves with the counts accepted and
   * rejected (with the first rejection's reason). Throws when a call fails (the caller may post the events again:
   * event ids make that harmless).
   */
  async postEvents(events: readonly (InteractionEvent | ProductEvent)[]): Promise<{ accepted: number; rejected: number; firstError?: string }> {
    let accepted = 0;
    let rejected = 0;
    let firstError: string | undefined;
    for (let i = 0; i < events.length; i += EVENTS_PER_POST) {
      const body = JSON.stringify({ events: events.slice(i, i + EVENTS_PER_POST).map(({ kind: _kind, ...rest }) => rest) });
      const res = await fetch(`${this.baseUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.timeoutMs) });
      const answer = (await res.json()) as { accepted?: number; rejected?: { index: number; error: string }[]; error?: { message: string } };
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${answer.error?.message ?? ''}`);
      if (answer.rejected?.length) {
        rejected += answer.rejected.length;
        firstError ??= answer.rejected[0].error;
      }
      accepted += answer.accepted ?? 0;
    }
    return { accepted, rejected, ...(firstError ? { firstError } : {}) };
  }

  /** True once `GET /health/ready` answers 200. */
  async ready(): Promise<boolean> {
    try {
      return (await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(this.timeoutMs) })).ok;
    } catch {
      return false;
    }
  }
}
