/** Real-time features shared by every learner: catalog content, each user's recent positives and (optionally) positive set. */
import type { InteractionEvent, MlEvent } from '../core/events';
import { isPositive } from '../core/events';
import { Catalog, type CatalogState } from './catalog';
import { contextKeys } from './context';
import type { TrainExample } from './example';

/** Recent positives kept per user (the longest history a tower attends over is shorter). */
export const MAX_HISTORY = 50;

/** One user's features. */
export interface UserState {
  /** Recent positive item indices, most recent LAST, at most MAX_HISTORY (a repeated item moves to the end). */
  recent: number[];
  /**
   * Every item the user has a positive on, in order of the first positive (exact seen-item exclusion, as the eval
   * needs it). Stays empty when the state was made with `trackSeen: false`.
   */
  positives: Set<number>;
}

/** How much a FeatureState keeps. The defaults keep everything (what the eval, the specs and the benches need). */
export interface FeatureStateOptions {
  /** Width of product image vectors (IMAGE_EMBEDDING_DIM); 0 disables them. Default 0. */
  imageDim?: number;
  /**
   * Most users kept: when a positive makes it more, the least recently active users (by their last positive) are
   * dropped with their features. Default Infinity (no bound); a trainer passes a bound.
   */
  maxUsers?: number;
  /**
   * Keep each user's full positive set (`UserState.positives`), which grows without bound. Default true (the eval's
   * seen-item exclusion needs it); a trainer passes false: training needs only the recent positives, and serving
   * excludes seen items from Redis.
   */
  trackSeen?: boolean;
}

/**
 * A FeatureState in flat arrays (a learner checkpoint's part). Users are listed least recently active first; user u's
 * recent positives (most recent last) are `recentItems[recentOffsets[u] .. recentOffsets[u + 1])`, its positive set
 * (insertion order; empty without `trackSeen`) `seenItems[seenOffsets[u] .. seenOffsets[u + 1])`.
 */
export interface FeatureStateState {
  /** null: no bound (Infinity does not survive JSON). */
  maxUsers: number | null;
  trackSeen: boolean;
  catalog: CatalogState;
  userIds: string[];
  recentOffsets: Int32Array;
  recentItems: Int32Array;
  seenOffsets: Int32Array;
  seenItems: Int32Array;
}

/**
 * The real-time features: the catalog and each user's recent positives, updated event by event. `users` iterates the
 * users least recently active first (a positive moves its user to the end).
 */
export class FeatureState {
  /** The catalog the features index items by (shared with the learners). */
  readonly catalog: Catalog;
  /** Each user's features, least recently active first. */
  readonly users = new Map<string, UserState>();
  /** Most users kept (Infinity: no bound). */
  readonly maxUsers: number;
  /** Whether `UserState.positives` is kept. */
  readonly trackSeen: boolean;

  /**
   * @param options the options, or just the image dimension
   * @param catalog the catalog to keep the features of (its `imageDim` wins); default a new, empty one
   */
  constructor(options: number | FeatureStateOptions = {}, catalog?: Catalog) {
    const o: FeatureStateOptions = typeof options === 'number' ? { imageDim: options } : options;
    this.catalog = catalog ?? new Catalog(o.imageDim ?? 0);
    this.maxUsers = Math.max(1, o.maxUsers ?? Number.POSITIVE_INFINITY);
    this.trackSeen = o.trackSeen ?? true;
  }

  /** A user's features, created empty on first sight (a read does not count as activity). */
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
    // re-inserted: the map's order is the users' recency, oldest first
    this.users.delete(e.userId);
    this.users.set(e.userId, u);
    const at = u.recent.lastIndexOf(idx);
    if (at >= 0) u.recent.splice(at, 1);
    u.recent.push(idx);
    if (u.recent.length > MAX_HISTORY) u.recent.shift();
    if (this.trackSeen) u.positives.add(idx);
    if (this.users.size > this.maxUsers) this.dropLeastRecent(this.users.size - this.maxUsers);
    return idx;
  }

  private dropLeastRecent(n: number): void {
    const it = this.users.keys();
    const drop: string[] = [];
    for (let i = 0; i < n; i++) drop.push(it.next().value as string);
    for (const id of drop) this.users.delete(id);
  }

  /** The features in flat arrays (copies): the catalog, then the users least recently active first. */
  state(): FeatureStateState {
    const userIds = Array.from(this.users.keys());
    const recentOffsets = new Int32Array(userIds.length + 1);
    const seenOffsets = new Int32Array(userIds.length + 1);
    let u = 0;
    for (const s of this.users.values()) {
      recentOffsets[u + 1] = recentOffsets[u] + s.recent.length;
      seenOffsets[u + 1] = seenOffsets[u] + s.positives.size;
      u++;
    }
    const recentItems = new Int32Array(recentOffsets[userIds.length]);
    const seenItems = new Int32Array(seenOffsets[userIds.length]);
    u = 0;
    for (const s of this.users.values()) {
      recentItems.set(s.recent, recentOffsets[u]);
      let j = seenOffsets[u];
      for (const x of s.positives) seenItems[j++] = x;
      u++;
    }
    return {
      maxUsers: Number.isFinite(this.maxUsers) ? this.maxUsers : null,
      trackSeen: this.trackSeen,
      catalog: this.catalog.state(),
      userIds,
      recentOffsets,
      recentItems,
      seenOffsets,
      seenItems,
    };
  }

  /** A FeatureState equal to the one `state()` was taken from: the same catalog, users, their order and options. */
  static fromState(s: FeatureStateState): FeatureState {
    const f = new FeatureState({ maxUsers: s.maxUsers ?? undefined, trackSeen: s.trackSeen }, Catalog.fromState(s.catalog));
    s.userIds.forEach((id, u) => {
      f.users.set(id, {
        recent: Array.from(s.recentItems.subarray(s.recentOffsets[u], s.recentOffsets[u + 1])),
        positives: new Set(s.seenItems.subarray(s.seenOffsets[u], s.seenOffsets[u + 1])),
      });
    });
    return f;
  }
}
