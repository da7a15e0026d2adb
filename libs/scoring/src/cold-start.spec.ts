import { deviceFromUserAgent, fuseByRank, RRF_K } from './cold-start';

describe('cold-start fusion', () => {
  it('ranks an item high in both lists above one high in a single list, and scores by rank only', () => {
    const trending = [{ itemId: 'a', score: 900 }, { itemId: 'b', score: 800 }, { itemId: 'c', score: 1 }];
    const model = [{ itemId: 'b', score: 0.3 }, { itemId: 'd', score: 0.2 }, { itemId: 'a', score: -5 }];
    const fused = fuseByRank([trending, model], 10);
    expect(fused.map((f) => f.itemId)).toEqual(['b', 'a', 'd', 'c']);
    expect(fused[0].score).toBeCloseTo(1 / (RRF_K + 2) + 1 / (RRF_K + 1), 12);
  });

  it('leaves out what keep refuses before ranking, keeps first-seen order on ties and cuts at k', () => {
    const fused = fuseByRank([[{ itemId: 'x', score: 1 }, { itemId: 'y', score: 1 }], [{ itemId: 'z', score: 1 }]], 2, (id) => id !== 'x');
    // y and z are both first in their lists once x is gone
    expect(fused).toEqual([{ itemId: 'y', score: 1 / (RRF_K + 1) }, { itemId: 'z', score: 1 / (RRF_K + 1) }]);
  });

  it('reads the device class from a User-Agent', () => {
    expect(deviceFromUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148')).toBe('mobile');
    expect(deviceFromUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36')).toBe('mobile');
    expect(deviceFromUserAgent('Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)')).toBe('tablet');
    expect(deviceFromUserAgent('Mozilla/5.0 (Linux; Android 13; SM-X700) Safari/537.36')).toBe('tablet');
    expect(deviceFromUserAgent('Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0')).toBe('desktop');
    expect(deviceFromUserAgent('Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0)')).toBe('tv');
    expect(deviceFromUserAgent(undefined)).toBeUndefined();
  });
});
