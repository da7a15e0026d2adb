import type { Scored } from './cold-start';

/** How long (ms) a trending list is reused before it is read again. */
export const TRENDING_TTL_MS = 10_000;

/**
 * The trending lists of one API process, per device class, read from Redis at most once per TRENDING_TTL_MS each
 * (trending moves by the hour; reading a list takes one command per retained hour and a sum over thousands of items),
 * shared by every request meanwhile instead of read per request. While a list is being refreshed, the previous one answers; when
 * Redis fails, the last list read (or an empty one) answers and the next request tries again.
 */
export class TrendingCache {
  private readonly lists = new Map<string, { items: Scored[]; at: number; refreshing: Promise<Scored[]> | null }>();

  constructor(
    private readonly read: (device: string | undefined) => Promise<Scored[]>,
    private readonly ttlMs: number = TRENDING_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The trending list for a device class (undefined: every device), best first. */
  async get(device: string | undefined): Promise<Scored[]> {
    const key = device ?? '';
    const entry = this.lists.get(key);
    if (entry && this.now() - entry.at < this.ttlMs) return entry.items;
    // the first read of a class is waited for; later ones answer with the previous list meanwhile
    if (entry?.refreshing) return entry.at === -Infinity ? entry.refreshing : entry.items;
    const refreshing = this.read(device)
      .then((items) => {
        this.lists.set(key, { items, at: this.now(), refreshing: null });
        return items;
      })
      .catch(() => {
        const stale = this.lists.get(key);
        if (stale) stale.refreshing = null;
        return stale?.items ?? [];
      });
    if (entry) {
      entry.refreshing = refreshing;
      return entry.items;
    }
    this.lists.set(key, { items: [], at: -Infinity, refreshing });
    return refreshing;
  }
}
