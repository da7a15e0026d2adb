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
  /** 1 for a first-time positive (the user had no positive on that item, as far as the features remember). */
  eligible: Uint8Array;
  /** First-time positives of the whole window / of the held-out slice. */
  firstTimePositives: number;
  heldOut: number;
}

/**
 * The held-out slice: the newest `share` of the window's first-time positives (the ones the evaluation protocol scores),
 * at least `minPositives`. Returns null when the window holds too few for that and something left to train on.
 * `features` is the state just before the window (read, not changed).
 */
export function holdoutSplit(events: readonly MlEvent[], features: FeatureState, share: number, minPositives: number): HoldoutSplit | null {
  const eligible = new Uint8Array(events.length);
  const seen = new Set<string>();
  let total = 0;
  events.forEach((e, j) => {
    if (!isPositive(e)) return;
    const pair = `${e.userId}\u0000${e.itemId}`;
    if (seen.has(pair)) return;
    seen.add(pair);
    const idx = features.catalog.index.get(e.itemId);
    const u = features.users.get(e.userId);
    if (idx !== undefined && u && u.recent.includes(idx)) return;
    eligible[j] = 1;
    total++;
  });
  const want = Math.max(Math.ceil(share * total), minPositives);
  if (total < want + 1) return null;
  let n = 0;
  let split = events.length;
  for (let j = events.length - 1; j >= 0 && n < want; j--) {
    if (eligible[j]) {
      n++;
      split = j;
    }
  }
  return { split, eligible, firstTimePositives: total, heldOut: n };
}
