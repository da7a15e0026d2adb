import { generateShop, shopEvents } from '../sim/shop';
import type { InteractionEvent } from '../core/events';
import { FeatureState } from './state';

const click = (userId: string, itemId: string, ts: number): InteractionEvent => ({ kind: 'interaction', eventId: `${userId}-${ts}`, type: 'click', userId, itemId, ts });

describe('real-time feature state', () => {
  it('keeps every user and each one\'s full positive set by default (what the eval excludes)', () => {
    const shop = generateShop({ seed: 3, users: 50, clicksPerUser: 80 });
    const f = new FeatureState();
    for (const e of shopEvents(shop)) f.apply(e);
    expect(f.users.size).toBe(50);
    for (const [userId, u] of f.users) {
      const clicked = new Set(shop.interactions.filter((e) => e.userId === userId).map((e) => f.catalog.index.get(e.itemId)));
      expect(u.positives).toEqual(clicked);
      expect(u.recent.length).toBeLessThanOrEqual(50);
    }
  });

  it('drops the least recently active users beyond maxUsers and keeps no positive set without trackSeen', () => {
    const f = new FeatureState({ maxUsers: 3, trackSeen: false });
    f.apply(click('u-1', 'a', 1));
    f.apply(click('u-2', 'b', 2));
    f.apply(click('u-3', 'c', 3));
    f.apply(click('u-1', 'd', 4)); // u-1 active again: u-2 is now the least recent
    f.apply(click('u-4', 'e', 5));
    expect(Array.from(f.users.keys())).toEqual(['u-3', 'u-1', 'u-4']);
    expect(Array.from(f.recentFirst('u-1')).map((i) => f.catalog.ids[i])).toEqual(['d', 'a']);
    expect(f.recentFirst('u-2').length).toBe(0);
    expect(f.users.get('u-1')?.positives.size).toBe(0);
  });

  it('holds bounded state over a long stream of many users', () => {
    const shop = generateShop({ seed: 4, users: 400, clicksPerUser: 60 });
    const f = new FeatureState({ maxUsers: 100, trackSeen: false });
    for (const e of shopEvents(shop)) f.apply(e);
    expect(f.users.size).toBe(100);
    let recent = 0;
    for (const u of f.users.values()) {
      recent += u.recent.length;
      expect(u.positives.size).toBe(0);
    }
    expect(recent).toBeLessThanOrEqual(100 * 50);
    // the users kept are those with the latest positives
    const last = new Map<string, number>();
    for (const e of shop.interactions) last.set(e.userId, e.ts);
    const newest = Array.from(last.entries()).sort((a, b) => a[1] - b[1]).slice(-100).map(([u]) => u);
    expect(new Set(f.users.keys())).toEqual(new Set(newest));
  });

  it('resumes from its state exactly: the same features after the same further events', () => {
    const shop = generateShop({ seed: 5, users: 60, clicksPerUser: 30, imageDim: 4 });
    const events = shopEvents(shop);
    const cut = Math.floor(events.length / 2);
    for (const opts of [{ imageDim: 4 }, { imageDim: 4, maxUsers: 20, trackSeen: false }]) {
      const straight = new FeatureState(opts);
      for (const e of events) straight.apply(e);
      const first = new FeatureState(opts);
      for (const e of events.slice(0, cut)) first.apply(e);
      const resumed = FeatureState.fromState(first.state());
      expect(resumed.state()).toEqual(first.state());
      expect(resumed.maxUsers).toBe(first.maxUsers);
      expect(resumed.trackSeen).toBe(first.trackSeen);
      for (const e of events.slice(cut)) resumed.apply(e);
      expect(resumed.state()).toEqual(straight.state());
      expect(Array.from(resumed.users.keys())).toEqual(Array.from(straight.users.keys()));
      for (const [id, u] of straight.users) expect(resumed.users.get(id)).toEqual(u);
    }
  });
});
