import { FeatureState, type InteractionEvent, type MlEvent, type ProductEvent } from '@recsys/ml';
import { holdoutSplit, sortWindow } from './training-window';

const click = (i: number, userId: string, itemId: string, ts: number): InteractionEvent => ({ kind: 'interaction', eventId: `e${i}`, type: 'click', userId, itemId, ts });
const product = (itemId: string, ts: number): ProductEvent => ({ kind: 'product', eventId: `p-${itemId}`, type: 'product_upsert', itemId, ts });

describe('the training window', () => {
  it('is put in event-time order, a product before a click of the same millisecond, ties kept in read order', () => {
    const events: MlEvent[] = [click(1, 'u', 'a', 5), click(2, 'u', 'b', 3), product('a', 5), click(3, 'v', 'c', 3)];
    expect(sortWindow(events).map((e) => e.eventId)).toEqual(['e2', 'e3', 'p-a', 'e1']);
  });

  it('holds out the newest share of first-time positives, at least the minimum', () => {
    const events = Array.from({ length: 100 }, (_, i) => click(i, `u${i % 10}`, `i${i}`, i));
    const split = holdoutSplit(events, new FeatureState(), 0.1, 20)!;
    expect(split.firstTimePositives).toBe(100);
    expect(split.heldOut).toBe(20);
    expect(split.split).toBe(80);
    expect(holdoutSplit(events, new FeatureState(), 0.3, 20)!.split).toBe(70);
  });

  it('does not count repeats (in the window, or among the positives the features remember) as first-time positives', () => {
    const features = new FeatureState();
    features.apply(click(0, 'u0', 'old', 0));
    const events = [click(1, 'u0', 'old', 1), click(2, 'u1', 'x', 2), click(3, 'u1', 'x', 3), click(4, 'u2', 'y', 4)];
    const split = holdoutSplit(events, features, 0.5, 1)!;
    expect(Array.from(split.eligible)).toEqual([0, 1, 0, 1]);
    expect(split.firstTimePositives).toBe(2);
  });

  it('says when the window is too small for the gate', () => {
    const events = Array.from({ length: 20 }, (_, i) => click(i, 'u', `i${i}`, i));
    expect(holdoutSplit(events, new FeatureState(), 0.1, 20)).toBeNull();
    expect(holdoutSplit(events, new FeatureState(), 0.1, 19)).not.toBeNull();
  });
});
