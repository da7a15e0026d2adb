import { z } from 'zod/v4';

const id = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !s.includes('\u0000'), 'must not contain U+0000');

const device = z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'device must be 1 to 32 letters, digits, dots, dashes or underscores');

/**
 * `GET /v1/recommendations?userId=U&k=10[&exclude=id1,id2][&category=C][&device=D]` (CONTRACT section 4; `device`, the
 * client's device as its events' `context.device` name it, is an extension: without it the User-Agent header says).
 */
export const RECOMMENDATIONS_QUERY = z.object({
  userId: id,
  k: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'k must be an integer from 1 to 100')
    .transform(Number)
    .refine((k) => k >= 1 && k <= 100, 'k must be an integer from 1 to 100')
    .default(10),
  exclude: z
    .string()
    .max(100 * 129)
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(id).max(100, 'at most 100 excluded items'))
    .default([]),
  category: id.optional(),
  device: device.optional(),
});
export type RecommendationsQuery = z.infer<typeof RECOMMENDATIONS_QUERY>;

/** An answer of `GET /v1/recommendations`. */
export interface RecommendationsAnswer {
  requestId: string;
  /**
   * The version that ranked: `v<n>` for a user with positives; `cold-start:v<n>` for one without (trending blended with
   * that model's answer for an empty history); before the first model `fallback:trending` (trending blended with the
   * newest day's popularity) or `fallback:popular` (no trending data).
   */
  modelVersion: string;
  items: { itemId: string; score: number }[];
}

/** `POST /v1/rank` `{"userId", "itemIds": [...up to 1000], "device"?}` (`device` as in the recommendations query). */
export const RANK_BODY = z
  .object({
    userId: id,
    itemIds: z.array(id, { error: 'itemIds must be an array of item ids' }).min(1, 'itemIds must not be empty').max(1000, 'at most 1000 itemIds'),
    device: device.optional(),
  })
  .strict();
export type RankBody = z.infer<typeof RANK_BODY>;

/** `GET /v1/items/{itemId}/similar?k=10`. */
export const SIMILAR_QUERY = z.object({
  itemId: id,
  k: RECOMMENDATIONS_QUERY.shape.k,
});
export type SimilarQuery = z.infer<typeof SIMILAR_QUERY>;

/** An answer of `GET /v1/items/{itemId}/similar`. */
export interface SimilarAnswer {
  modelVersion: string;
  items: { itemId: string; score: number }[];
}
