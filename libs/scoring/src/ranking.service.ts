import { Inject, Injectable } from '@nestjs/common';
import { FeatureStore } from '@recsys/features';
import { DomainError } from '@recsys/observability';
import { RequestIdSigner } from '@recsys/storage';
import { ModelHolder } from './model-holder.service';
import type { RankBody, RecommendationsAnswer, SimilarAnswer, SimilarQuery } from './recommendation.query';
import { POPULAR_FALLBACK, type RequestContext } from './recommendation.service';
import { ServingRecordWriter } from './serving-record.writer';

/** The score stated for an item the model does not know (or a deleted one): below every real score. */
export const UNKNOWN_ITEM_SCORE = -1e9;

/**
 * `POST /v1/rank` and `GET /v1/items/{itemId}/similar`. Rank scores every given item exactly as the learning core
 * does (the full score: two-tower dot product plus the memory), best first; items the model does not know, or
 * deleted ones, come last in the order given, with UNKNOWN_ITEM_SCORE. Similar items are the nearest item vectors
 * (cosine) of the served model. Without a model both answer from the newest day's popularity.
 */
@Injectable()
export class RankingService {
  constructor(
    @Inject(FeatureStore) private readonly features: FeatureStore,
    private readonly holder: ModelHolder,
    private readonly signer: RequestIdSigner,
    private readonly records: ServingRecordWriter,
  ) {}

  async rank(body: RankBody, rc: RequestContext = {}): Promise<RecommendationsAnswer> {
    const now = rc.now ?? Date.now();
    const served = this.holder.current();
    const known: { itemId: string; score: number }[] = [];
    const unknown: { itemId: string; score: number }[] = [];
    if (served) {
      const recent = await this.features.recentItems(body.userId);
      // only the given items are scored (the same numbers as the whole-catalog scores)
      const scores = served.model.scoreItems(recent.map((r) => r.itemId), body.itemIds, { ts: now, userId: body.userId, device: body.device ?? rc.device });
      body.itemIds.forEach((itemId, k) => {
        const score = scores[k];
        if (score === undefined) unknown.push({ itemId, score: UNKNOWN_ITEM_SCORE });
        else known.push({ itemId, score });
      });
    } else {
      const popular = new Map((await this.features.popularItems(10_000)).map((p) => [p.itemId, p.score]));
      for (const itemId of body.itemIds) {
        const s = popular.get(itemId);
        if (s === undefined) unknown.push({ itemId, score: UNKNOWN_ITEM_SCORE });
        else known.push({ itemId, score: s });
      }
    }
    known.sort((a, b) => b.score - a.score);
    const modelVersion = served?.version ?? POPULAR_FALLBACK;
    const items = [...known, ...unknown];
    const requestId = this.signer.sign(modelVersion);
    this.records.record({ requestId, modelVersion, itemIds: items.map((i) => i.itemId) });
    return { requestId, modelVersion, items };
  }

  async similar(q: SimilarQuery): Promise<SimilarAnswer> {
    const served = this.holder.current();
    if (!served) {
      const popular = await this.features.popularItems(q.k + 1);
      return { modelVersion: POPULAR_FALLBACK, items: popular.filter((p) => p.itemId !== q.itemId).slice(0, q.k) };
    }
    const m = served.model;
    const target = m.indexOf(q.itemId);
    if (target === undefined) throw new DomainError(404, 'unknown_item', `the served model ${served.version} does not know item ${q.itemId}`);
    const v = m.itemVectors();
    const D = m.vectorDim;
    // the last component is the item's bias, not part of its direction
    const d = D - 1;
    const norm = (i: number): number => {
      let s = 0;
      for (let j = 0; j < d; j++) s += v[i * D + j] * v[i * D + j];
      return Math.sqrt(s) || 1;
    };
    const nt = norm(target);
    const best: { i: number; s: number }[] = [];
    for (let i = 0; i < m.size; i++) {
      if (i === target || !m.isLive(m.itemId(i))) continue;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v[i * D + j] * v[target * D + j];
      const s = dot / (nt * norm(i));
      if (best.length < q.k) {
        best.push({ i, s });
        best.sort((a, b) => b.s - a.s);
      } else if (s > best[best.length - 1].s) {
        best[best.length - 1] = { i, s };
        best.sort((a, b) => b.s - a.s);
      }
    }
    return { modelVersion: served.version, items: best.map((b) => ({ itemId: m.itemId(b.i), score: b.s })) };
  }
}
