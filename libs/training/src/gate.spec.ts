import type { HeldOutScores } from '@recsys/registry';
import { decideGate } from './gate';

const s = (ndcg: number | null, hr = 0.5): HeldOutScores => ({ hr, ndcg, loss: 1, samples: 300, skipped: 0 });
const active = { kind: 'active' as const, version: 'v3' };

describe('the gate', () => {
  it('promotes a candidate within the tolerance of the active model, and one that is better', () => {
    expect(decideGate({ candidate: s(0.199), baseline: s(0.2), finite: true, against: active, tolerance: 0.02 }).decision).toBe('promoted');
    expect(decideGate({ candidate: s(0.25), baseline: s(0.2), finite: true, against: active, tolerance: 0.02 }).decision).toBe('promoted');
  });

  it('rejects a candidate below the active model by more than the tolerance, saying so with both metrics', () => {
    const g = decideGate({ candidate: s(0.19), baseline: s(0.2), finite: true, against: active, tolerance: 0.02 });
    expect(g.decision).toBe('rejected');
    expect(g.reason).toContain('below 0.2000 of v3');
    expect(g.candidate.ndcg).toBe(0.19);
    expect(g.baseline.ndcg).toBe(0.2);
  });

  it('rejects non-finite weights whatever the metrics say', () => {
    expect(decideGate({ candidate: s(0.9), baseline: s(0.2), finite: false, against: active, tolerance: 0.02 }).reason).toContain('non-finite');
    expect(decideGate({ candidate: s(null), baseline: s(0.2), finite: true, against: active, tolerance: 0.02 }).decision).toBe('rejected');
  });

  it('promotes a first model only when it beats the popularity fallback', () => {
    const popular = { kind: 'popular' as const, version: null };
    expect(decideGate({ candidate: s(0.1), baseline: s(0.05), finite: true, against: popular, tolerance: 0.02 }).decision).toBe('promoted');
    expect(decideGate({ candidate: s(0.05), baseline: s(0.05), finite: true, against: popular, tolerance: 0.5 }).decision).toBe('rejected');
  });
});
