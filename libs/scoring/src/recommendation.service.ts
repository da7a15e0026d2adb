import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { FeatureStore } from '@recsys/features';
import { ThrottledLogger } from '@recsys/observability';
import { RequestIdSigner } from '@recsys/storage';
import { RRF_K, fuseByRank, type Scored } from './cold-start';
import { ModelHolder, type ServedModel } from './model-holder.service';
import { ProductChangeWatcher } from './product-change.watcher';
import type { RecommendationsAnswer, RecommendationsQuery } from './recommendation.query';
import { ServingRecordWriter } from './serving-record.writer';
import { TrendingCache } from './trending.cache';

/** The version name of answers given without a model and without trending data. */
export const POPULAR_FALLBACK = 'fallback:popular';
/** The version name of answers given without a model and without any positive in the shop: the newest products. */
export const NEW_ITEMS_FALLBACK = 'fallback:new-items';
/** The version name of answers given without a model: trending blended with the newest day's popularity. */
export const TRENDING_FALLBACK = 'fallback:trending';
/** The version name prefix of a model's answers for a user without positives (trending blended with the model). */
export const COLD_START_PREFIX = 'cold-start:';

/** Candidates each cold-start list contributes before fusion (more with a category filter, which drops many). */
const COLD_POOL = 100;
const COLD_POOL_FILTERED = 1000;
/** Items of each cached trending list (enough for a filtered pool plus excluded items). */
const TRENDING_LIST = 1500;

/** Where a request comes from, beyond its query. */
export interface RequestContext {
  /** Epoch ms of the request. Default now. */
  now?: number;
  /** The device class of the client, when its request says (the `device` query wins over this). */
  device?: string;
}

/**
 * Recommendations for a user. The user's recent positives and seen items come from Redis at request time (a click
 * through Kafka changes the next answer); the served model ranks (its index's candidates plus the memory's successors,
 * re-scored exactly), leaving out seen and excluded items and, with a `category`, everything outside it. A user
 * without positives gets the cold-start list: trending in the last hours for the request's device class fused by rank
 * with the model's answer for an empty history (or with the newest day's popularity before the first model).
 * Every answer's request id carries its version, signed, and the served list is recorded off the request path.
 *
 * Redis failing does not fail a request: without the user's features the user is answered as one without positives,
 * from the trending lists last read (each is read at most every 10 s per process, see TrendingCache) and the model.
 */
@Injectable()
export class RecommendationService {
  private readonly log = new ThrottledLogger('scoring');
  private readonly trending: TrendingCache;

  constructor(
    @Inject(FeatureStore) private readonly features: FeatureStore,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly holder: ModelHolder,
    private readonly products: ProductChangeWatcher,
    private readonly signer: RequestIdSigner,
    private readonly records: ServingRecordWriter,
  ) {
    const halfLifeHours = config.TRENDING_HALF_LIFE_HOURS;
    this.trending = new TrendingCache((device) => this.features.trendingItems(TRENDING_LIST, device ? { device, halfLifeHours } : { halfLifeHours }));
  }

  async recommend(q: RecommendationsQuery, rc: RequestContext = {}): Promise<RecommendationsAnswer> {
    const now = rc.now ?? Date.now();
    const device = q.device ?? rc.device;
    // the reference is read once: this answer comes from one model whatever is swapped meanwhile
    const served = this.holder.current();
    const [recent, seen] = await Promise.all([this.features.recentItems(q.userId), this.features.seenItems(q.userId)]).catch((err: unknown) => {
      this.log.warn(`features of ${q.userId} unavailable, answering as for a new user: ${err instanceof Error ? err.message : String(err)}`);
      return [[], new Set<string>()] as const;
    });
    const exclude = new Set([...seen, ...q.exclude]);
    const inCategory = q.category === undefined ? null : this.products.catalog.itemsIn(q.category);
    let modelVersion: string;
    let items: Scored[];
    if (served && recent.length > 0) {
      modelVersion = served.version;
      const history = recent.map((r) => r.itemId);
      const context = { ts: now, userId: q.userId, device };
      items = inCategory ? topAmong(served, history, context, inCategory, exclude, q.k) : served.model.recommend(history, q.k, context, exclude).map(scoredOf);
    } else {
      ({ modelVersion, items } = await this.coldStart(served, q, device, now, exclude, inCategory));
    }
    const requestId = this.signer.sign(modelVersion);
    this.records.record({ requestId, modelVersion, itemIds: items.map((i) => i.itemId) });
    return { requestId, modelVersion, items };
  }

  private async coldStart(
    served: ServedModel | null,
    q: RecommendationsQuery,
    device: string | undefined,
    now: number,
    exclude: ReadonlySet<string>,
    inCategory: ReadonlySet<string> | null,
  ): Promise<{ modelVersion: string; items: Scored[] }> {
    const pool = (inCategory ? COLD_POOL_FILTERED : COLD_POOL) + exclude.size;
    const [forDevice, overall] = await Promise.all([device ? this.trending.get(device) : Promise.resolve([]), this.trending.get(undefined)]);
    // a device class with no events of its own yet answers from every device's
    const trending = (forDevice.length > 0 ? forDevice : overall).slice(0, pool);
    const keep = (itemId: string): boolean => !exclude.has(itemId) && (!inCategory || inCategory.has(itemId)) && (!served || served.model.indexOf(itemId) === undefined || served.model.isLive(itemId));
    if (served) {
      const model = inCategory
        ? topAmong(served, [], { ts: now, userId: q.userId, device }, inCategory, exclude, pool)
        : served.model.recommend([], pool, { ts: now, userId: q.userId, device }, exclude).map(scoredOf);
      return { modelVersion: `${COLD_START_PREFIX}${served.version}`, items: fuseByRank([trending, model], q.k, keep) };
    }
    const popular = await this.features.popularItems(pool).catch(() => []);
    const items = fuseByRank([trending, popular], q.k, keep);
    if (items.length >= q.k || (trending.length === 0 && popular.length === 0 && this.products.catalog.liveCount === 0)) {
      return { modelVersion: trending.length > 0 ? TRENDING_FALLBACK : POPULAR_FALLBACK, items };
    }
    // a shop without positives yet (or fewer popular items than asked for): newest products fill the list, shuffled
    // among the newest so that each gets shown and the first clicks have something to start from
    const listed = new Set(items.map((i) => i.itemId));
    const fill = shuffle(this.products.catalog.newest(pool).filter((itemId) => keep(itemId) && !listed.has(itemId)));
    const base = items.length > 0 ? items[items.length - 1].score : 1 / RRF_K;
    const filled = [...items, ...fill.slice(0, q.k - items.length).map((itemId, j) => ({ itemId, score: (base * (q.k - j)) / (q.k + 1) }))];
    const modelVersion = trending.length > 0 ? TRENDING_FALLBACK : popular.length > 0 ? POPULAR_FALLBACK : NEW_ITEMS_FALLBACK;
    return { modelVersion, items: filled };
  }
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function scoredOf(r: { itemId: string; score: number }): Scored {
  return { itemId: r.itemId, score: r.score };
}

/** The top k of a set of items by the model's full score (exact: the category's items are scored, nothing else). */
function topAmong(
  served: ServedModel,
  history: readonly string[],
  context: { ts: number; userId: string; device?: string },
  among: ReadonlySet<string>,
  exclude: ReadonlySet<string>,
  k: number,
): Scored[] {
  const ids = [...among].filter((itemId) => !exclude.has(itemId));
  const scores = served.model.scoreItems(history, ids, context);
  const out: Scored[] = [];
  ids.forEach((itemId, j) => {
    const score = scores[j];
    if (score !== undefined) out.push({ itemId, score });
  });
  out.sort((a, b) => b.score - a.score);
  return out.slice(0, k);
}
