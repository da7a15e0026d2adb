/** Feeds ts-ordered events through real-time features and learners, stepping the learners every `stepMs` of event time. */
import { isPositive, type MlEvent } from '../core/events';
import type { FeatureState } from '../features/state';
import type { ContinualLearner, StepReport } from './learner';

export interface FeedResult {
  steps: number;
  rejected: number;
  reports: StepReport[];
}

export function feedEvents(features: FeatureState, learners: readonly ContinualLearner[], events: readonly MlEvent[], stepMs = 3600_000, finalStep = true): FeedResult {
  const res: FeedResult = { steps: 0, rejected: 0, reports: [] };
  let window = Number.NaN;
  const stepAll = () => {
    for (const l of learners) {
      const r = l.step();
      if (r.skipped) continue;
      res.steps++;
      if (!r.accepted) res.rejected++;
      res.reports.push(r);
    }
  };
  for (const e of events) {
    const w = Math.floor(e.ts / stepMs);
    if (w !== window) {
      if (!Number.isNaN(window)) stepAll();
      window = w;
    }
    if (e.kind === 'product') {
      features.apply(e);
      if (e.type === 'product_upsert') {
        const idx = features.catalog.index.get(e.itemId) as number;
        for (const l of learners) l.addProduct(idx);
      }
      continue;
    }
    if (!isPositive(e)) continue;
    const ex = features.exampleFor(e);
    features.apply(e);
    for (const l of learners) l.addSample(ex);
  }
  if (finalStep) stepAll();
  return res;
}
