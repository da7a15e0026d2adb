import { isPositive, type FeatureState, type MlEvent } from '@recsys/ml';

/** The window in event-time order; at one timestamp products come first (a click can name a product created then). */
export function sortWindow(events: MlEvent[]): MlEvent[] {
  const keyed = events.map((e, i) => ({ e, i }));
  keyed.sort((x, y) => x.e.ts - y.e.ts || (x.e.kind === y.e.kind ? 0 : x.e.kind === 'product' ? -1 : 1) || x.i - y.i);
  return keyed.map((k) => k.e);
}

/** Where the gate's held-out slice begins. */
export interface HoldoutSplit {
  /** Events before this index are trained on now; the rest is held out (and learnt at the next step). */
  split: number;
  /** 1 for a positive the gate ranks: first-time (the user had no positive on that item, as far as the features remember), and organic when {@link HoldoutSplit.organic}. */
  eligible: Uint8Array;
  /** First-time positives of the whole window (of the kind ranked) / of the held-out slice. */
  firstTimePositives: number;
  heldOut: number;
  /** True when the gate ranks only organic positives (ones no recommendation led to: without a `requestId`). */
  organic: boolean;
}

/**
 * The held-out slice: the newest `share` of the window's first-time positives (the ones the evaluation protocol scores),
 * at least `minPositives`. Returns null when the window holds too few for that and something left to train on.
 * `features` is the state just before the window (read, not changed).
 *
 * A click on a recommended item (it carries the answer's `requestId`) happened because the active model showed that
 * item: ranking such clicks favours the model that logged them, so a candidate would be judged by its agreement with
 * the active model rather than with the shoppers. When the window holds enough organic first-time positives (none of
 * them led by a recommendation) for the gate, only those are ranked; otherwise every first-time positive is.
 */
export function holdoutSplit(events: readonly MlEvent[], features: FeatureState, share: number, minPositives: number): HoldoutSplit | null {
  const firstTime = new Uint8Array(events.length);
  const seen = new Set<string>();
  let total = 0;
  let organicTotal = 0;
  events.forEach((e, j) => {
    if (!isPositive(e)) return;
    const pair = `${e.userId}\u0000${e.itemId}`;
    if (seen.has(pair)) return;
    seen.add(pair);
    const idx = features.catalog.index.get(e.itemId);
    const u = features.users.get(e.userId);
    if (idx !== undefined && u && u.recent.includes(idx)) return;
    firstTime[j] = 1;
    total++;
    if (e.requestId === undefined) organicTotal++;
  });
  const organic = organicTotal >= Math.max(Math.ceil(share * organicTotal), minPositives) + 1;
  const eligible = organic ? firstTime.map((f, j) => (f && (events[j] as { requestId?: string }).requestId === undefined ? 1 : 0)) : firstTime;
  const count = organic ? organicTotal : total;
  const want = Math.max(Math.ceil(share * count), minPositives);
  if (count < want + 1) return null;
  let n = 0;
  let split = events.length;
  for (let j = events.length - 1; j >= 0 && n < want; j--) {
    if (eligible[j]) {
      n++;
      split = j;
    }
  }
  return { split, eligible, firstTimePositives: count, heldOut: n, organic };
}
