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

  it('ranks only organic positives when there are enough of them, since clicks on recommended items favour the model that showed them', () => {
    const led = (i: number, userId: string, itemId: string, ts: number): InteractionEvent => ({ ...click(i, userId, itemId, ts), requestId: 'r1.x' });
    const mixed = Array.from({ length: 100 }, (_, i) => (i % 2 ? led(i, `u${i % 10}`, `i${i}`, i) : click(i, `u${i % 10}`, `i${i}`, i)));
    const split = holdoutSplit(mixed, new FeatureState(), 0.1, 10)!;
    expect(split.organic).toBe(true);
    expect(split.firstTimePositives).toBe(50);
    expect(split.heldOut).toBe(10);
    // the newest ten organic positives: every even index from 80 on; led clicks are held out but not ranked
    expect(split.split).toBe(80);
    expect(Array.from(split.eligible.slice(80))).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 0 : 1)));
    // too few organic ones: every first-time positive is ranked
    const mostlyLed = mixed.map((e, i) => (i < 95 ? led(i, (e as InteractionEvent).userId, (e as InteractionEvent).itemId, i) : e));
    const all = holdoutSplit(mostlyLed, new FeatureState(), 0.1, 10)!;
    expect(all.organic).toBe(false);
    expect(all.firstTimePositives).toBe(100);
    expect(all.split).toBe(90);
  });
});
