import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { FeatureStore } from '@recsys/features';
import { ModelHolder } from './model-holder.service';
import type { RecommendationsAnswer, RecommendationsQuery } from './recommendation.query';

/** The version name of answers given without a model. */
export const POPULAR_FALLBACK = 'fallback:popular';

/**
 * Recommendations for a user: the user's recent positives and seen items from Redis at request time (so a click
 * through Kafka changes the next answer), the served model's top-k with the seen and excluded items left out, and
 * the newest day's most popular items when there is no model yet. Every answer's request id is recorded with the
 * version that served it (off the request path: a Redis hiccup never fails the request).
 */
@Injectable()
export class RecommendationService {
  private readonly logger = new Logger('scoring');

  constructor(
    @Inject(FeatureStore) private readonly features: FeatureStore,
    private readonly holder: ModelHolder,
  ) {}

  async recommend(q: RecommendationsQuery, now = Date.now()): Promise<RecommendationsAnswer> {
    // the reference is read once: this answer comes from one model whatever is swapped meanwhile
    const served = this.holder.current();
    const [recent, seen] = await Promise.all([this.features.recentItems(q.userId), this.features.seenItems(q.userId)]);
    const exclude = new Set([...seen, ...q.exclude]);
    const requestId = randomUUID();
    let answer: RecommendationsAnswer;
    if (served) {
      const items = served.model.recommend(
        recent.map((r) => r.itemId),
        q.k,
        { ts: now, userId: q.userId },
        exclude,
      );
      answer = { requestId, modelVersion: served.version, items: items.map((r) => ({ itemId: r.itemId, score: r.score })) };
    } else {
      const popular = await this.features.popularItems(q.k + exclude.size);
      answer = { requestId, modelVersion: POPULAR_FALLBACK, items: popular.filter((p) => !exclude.has(p.itemId)).slice(0, q.k) };
    }
    this.features.recordServing(requestId, answer.modelVersion).catch((err: unknown) => {
      this.logger.warn(`serving record of ${requestId} not written: ${err instanceof Error ? err.message : String(err)}`);
    });
    return answer;
  }
}
