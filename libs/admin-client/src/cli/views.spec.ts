import { jobAt, MODEL_V3 } from '../testing/admin-api.fixtures';
import { ERROR_SHOWN, LINEAGE_SHOWN, renderLoadFailures, renderModel, renderModels, renderOutcome } from './views';

describe('views', () => {
  it('show: a version the gate never compared lists its own metrics', () => {
    const out = renderModel({ ...MODEL_V3, gate: null, lineage: [], children: ['v4', 'v5'] });
    expect(out).toContain('gate  - (no comparison recorded)');
    expect(out).toContain('lineage    - (trained from scratch)');
    expect(out).toContain('children   v4, v5');
    expect(out.split('\n').slice(-2)).toEqual(['METRICS  NDCG@10   HR@10    LOSS  SAMPLES  SKIPPED', 'model     0.1401  0.2875  0.5200     1200        4']);
  });

  it('show: a long incremental chain is cut after LINEAGE_SHOWN ancestors', () => {
    const lineage = Array.from({ length: 25 }, (_, i) => ({ version: `v${100 - i}`, status: 'retired' as const, kind: 'incremental' as const }));
    const lines = renderModel({ ...MODEL_V3, lineage }).split('\n');
    const first = lines.findIndex((l) => l.startsWith('lineage'));
    expect(lines.slice(first, first + LINEAGE_SHOWN + 1).map((l) => l.trim())).toEqual([
      'lineage    v100 (retired, incremental)',
      ...lineage.slice(1, LINEAGE_SHOWN).map((a) => `<- ${a.version} (retired, incremental)`),
      `<- ... ${25 - LINEAGE_SHOWN} older`,
    ]);
  });

  it('show: a gate measured against the popularity fallback says so', () => {
    const out = renderModel({ ...MODEL_V3, gate: { ...MODEL_V3.gate!, decision: 'promoted', against: { kind: 'popular', version: null } } });
    expect(out).toContain('against    the popularity fallback (no active version)');
  });

  it('load-failures: a long error is cut to ERROR_SHOWN characters; none says so, naming the version asked for', () => {
    const row = renderLoadFailures([{ version: 'v7', instance: 'h:1', error: 'e'.repeat(500), at: '2025-03-02T10:30:00.000Z' }]).split('\n')[1];
    expect(row.split(/\s{2,}/)[3]).toBe(`${'e'.repeat(ERROR_SHOWN - 3)}...`);
    expect(renderLoadFailures([])).toBe('no load failures recorded');
    expect(renderLoadFailures([], 'v7')).toBe('no load failures recorded for v7');
  });

  it('models: says so when there is none', () => {
    expect(renderModels([])).toBe('no model versions yet');
  });

  it('outcome: a skipped run has no metrics', () => {
    const job = { ...jobAt('completed', 1), result: { outcome: 'skipped' as const, modelVersion: 'v2', metrics: {}, reason: 'no new events', run: {} } };
    expect(renderOutcome(job).split('\n').slice(1)).toEqual(['outcome  skipped', 'version  v2', 'NDCG@10  -', 'HR@10    -', 'reason   no new events']);
  });
});
