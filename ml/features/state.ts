/** Real-time features shared by every learner: catalog content, each user's recent positives and positive set. */
import type { InteractionEvent, MlEvent } from '../core/events';
import { isPositive } from '../core/events';
import { Catalog } from './catalog';
import { contextKeys } from './context';
import type { TrainExample } from './example';

export const MAX_HISTORY = 50;

export interface UserState {
  /** Recent positive item indices, most recent LAST. */
  recent: number[];
  positives: Set<number>;
}

export class FeatureState {
  readonly catalog: Catalog;
  readonly users = new Map<string, UserState>();

  constructor(imageDim = 0) {
    this.catalog = new Catalog(imageDim);
  }

  user(userId: string): UserState {
    let u = this.users.get(userId);
    if (!u) this.users.set(userId, (u = { recent: [], positives: new Set() }));
    return u;
  }

  /** Most recent first, up to n. */
  recentFirst(userId: string, n = MAX_HISTORY): Int32Array {
    const u = this.users.get(userId);
    if (!u) return new Int32Array(0);
    const m = Math.min(n, u.recent.length);
    const out = new Int32Array(m);
    for (let k = 0; k < m; k++) out[k] = u.recent[u.recent.length - 1 - k];
    return out;
  }

  /** A training example for a positive event, from the features as they were just before it. */
  exampleFor(e: InteractionEvent, withUserId = false): TrainExample {
    const target = this.catalog.ensure(e.itemId);
    return {
      hist: this.recentFirst(e.userId),
      target,
      ctxKeys: contextKeys(e.ts, e.context, withUserId ? e.userId : undefined),
      weight: 1,
    };
  }

  /** Applies an event to the real-time features. Returns the item index of a positive, else undefined. */
  apply(e: MlEvent): number | undefined {
    if (e.kind === 'product') {
      if (e.type === 'product_delete') this.catalog.remove(e.itemId);
      else this.catalog.upsert(e.itemId, e);
      return undefined;
    }
    if (!isPositive(e)) return undefined;
    const idx = this.catalog.ensure(e.itemId);
    const u = this.user(e.userId);
    const at = u.recent.lastIndexOf(idx);
    if (at >= 0) u.recent.splice(at, 1);
    u.recent.push(idx);
    if (u.recent.length > MAX_HISTORY) u.recent.shift();
    u.positives.add(idx);
    return idx;
  }
}
