import { TrendingCache } from './trending.cache';

describe('the trending cache', () => {
  it('reads each device class once per TTL, answers the previous list while refreshing, and keeps it when Redis fails', async () => {
    let clock = 0;
    const reads: (string | undefined)[] = [];
    let fail = false;
    let release: (() => void) | null = null;
    const cache = new TrendingCache(
      async (device) => {
        reads.push(device);
        if (release === null && reads.length === 3) await new Promise<void>((r) => (release = r));
        if (fail) throw new Error('Command timed out');
        return [{ itemId: `${device ?? 'all'}-${reads.length}`, score: 1 }];
      },
      1000,
      () => clock,
    );
    expect(await Promise.all([cache.get('tv'), cache.get('tv')])).toEqual([[{ itemId: 'tv-1', score: 1 }], [{ itemId: 'tv-1', score: 1 }]]);
    expect(await cache.get(undefined)).toEqual([{ itemId: 'all-2', score: 1 }]);
    clock = 999;
    expect((await cache.get('tv'))[0].itemId).toBe('tv-1');
    expect(reads).toEqual(['tv', undefined]);
    clock = 1000;
    // the refresh is slow: the old list answers meanwhile, and a single read is in flight
    expect((await cache.get('tv'))[0].itemId).toBe('tv-1');
    expect((await cache.get('tv'))[0].itemId).toBe('tv-1');
    expect(reads).toEqual(['tv', undefined, 'tv']);
    (release as unknown as () => void)();
    await new Promise((r) => setImmediate(r));
    expect((await cache.get('tv'))[0].itemId).toBe('tv-3');
    fail = true;
    clock = 5000;
    await cache.get('tv');
    await new Promise((r) => setImmediate(r));
    expect((await cache.get('tv'))[0].itemId).toBe('tv-3');
    expect(await new TrendingCache(async () => Promise.reject(new Error('down'))).get('tv')).toEqual([]);
  });
});
