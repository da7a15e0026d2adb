/** A ranked list's items. */
export interface Scored {
  itemId: string;
  score: number;
}

/** Reciprocal rank fusion's constant: how flat the fusion is over ranks (the value of its original paper). */
export const RRF_K = 60;

/**
 * Fuses ranked lists by reciprocal rank: an item scores the sum over the lists holding it of 1 / (RRF_K + rank), rank
 * from 1. Scales do not have to agree (a trending count and a model's logit), only orders; ties keep the order of first
 * appearance. Items for which `keep` is false are left out before ranking.
 */
export function fuseByRank(lists: readonly (readonly Scored[])[], k: number, keep: (itemId: string) => boolean = () => true): Scored[] {
  const score = new Map<string, number>();
  for (const list of lists) {
    let rank = 0;
    for (const { itemId } of list) {
      if (!keep(itemId)) continue;
      rank++;
      score.set(itemId, (score.get(itemId) ?? 0) + 1 / (RRF_K + rank));
    }
  }
  return [...score.entries()]
    .map(([itemId, s], order) => ({ itemId, score: s, order }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, k)
    .map(({ itemId, score: s }) => ({ itemId, score: s }));
}

const TABLET = /ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))/i;
const MOBILE = /mobi|iphone|ipod|android|blackberry|opera mini|windows phone/i;
const TV = /smart-?tv|hbbtv|appletv|googletv|crkey|roku|tizen|webos/i;

/** The device class a User-Agent header suggests (`mobile`, `tablet`, `tv`, `desktop`), or undefined without one. */
export function deviceFromUserAgent(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  if (TV.test(userAgent)) return 'tv';
  if (TABLET.test(userAgent)) return 'tablet';
  if (MOBILE.test(userAgent)) return 'mobile';
  return 'desktop';
}
