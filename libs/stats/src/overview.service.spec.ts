import type { JobView } from '@recsys/jobs';
import type { GateComparison, ModelActivation } from '@recsys/registry';
import type { OverviewModelRow, OverviewRepository } from './overview.repository';
import { OVERVIEW_ACTIVATIONS, OVERVIEW_MODELS, OVERVIEW_TRAINING_RUNS, OverviewService, type OverviewSources } from './overview.service';

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0);
const scores = (ndcg: number | null) => ({ hr: ndcg === null ? null : ndcg * 2, ndcg, loss: 1, samples: 300, skipped: 2 });
const GATE: GateComparison = {
  decision: 'rejected',
  reason: 'held-out NDCG@10 0.1000 is below the active 0.2000 by more than 2%',
  against: { kind: 'active', version: 'v1' },
  candidate: scores(0.1),
  baseline: scores(0.2),
  tolerance: 0.02,
  finite: true,
};

function row(version: string, over: Partial<OverviewModelRow> = {}): OverviewModelRow {
  return { version, status: 'candidate', kind: 'incremental', parentVersion: null, createdAt: '2024-06-15T11:00:00.000Z', activatedAt: null, ndcg: 0.2, hr: 0.4, samples: 300, gate: null, triggeredBy: 'schedule', ...over };
}

/** Every side effect a mock: a call the test did not set up fails. */
function fakes(o: { rows?: OverviewModelRow[]; activations?: ModelActivation[]; jobs?: JobView[]; failing?: string[] } = {}) {
  const fail = (name: string) => (o.failing ?? []).includes(name);
  let now = NOW;
  const repo = {
    now: jest.fn(() => now),
    models: jest.fn(async () => (fail('models') ? Promise.reject(new Error('db down')) : (o.rows ?? []))),
  };
  const sources = {
    activations: { activations: jest.fn(async () => (fail('activations') ? Promise.reject(new Error('db down')) : (o.activations ?? []))) },
    training: { recent: jest.fn(async () => (fail('training') ? Promise.reject(new Error('redis down')) : (o.jobs ?? []))) },
    ingest: {
      stats: jest.fn(async () =>
        fail('ingest') ? Promise.reject(new Error('db down')) : { interactions: 120, products: 30, duplicates: 4, deadLettered: 1, abusive: 0, lagMessages: 7 },
      ),
    },
  };
  const service = new OverviewService(repo as unknown as OverviewRepository, sources as unknown as OverviewSources);
  return { service, repo, sources, tick: (ms: number) => (now += ms) };
}

describe('the dashboard overview', () => {
  it('answers the versions with their held-out scores and gate verdicts, the activations, the runs and the ingest totals', async () => {
    const job: JobView = {
      jobId: 'manual-1',
      name: 'train',
      state: 'completed',
      progress: 1,
      data: { mode: 'incremental', trigger: { by: 'admin', actor: 'token:abcdef123456' } },
      attemptsMade: 1,
      createdAt: '2024-06-15T11:59:00.000Z',
      result: { outcome: 'rejected', modelVersion: 'v2', metrics: { ndcg: 0.1 }, reason: GATE.reason, run: { events: 10 } },
    };
    const { service, repo, sources } = fakes({
      rows: [row('v2', { status: 'rejected', parentVersion: 'v1', gate: GATE, ndcg: 0.1, hr: null, samples: 'many' }), row('v1', { status: 'active', activatedAt: '2024-06-15T11:00:00.000Z' })],
      activations: [{ version: 'v1', at: '2024-06-15T11:00:00.000Z', by: 'gate', previous: null }],
      jobs: [job, { ...job, jobId: 'manual-2', state: 'failed', result: undefined, error: 'x'.repeat(1000) }],
    });
    const answer = await service.overview();
    expect(repo.models).toHaveBeenCalledWith(OVERVIEW_MODELS);
    expect(sources.activations.activations).toHaveBeenCalledWith(OVERVIEW_ACTIVATIONS);
    expect(sources.training.recent).toHaveBeenCalledWith(OVERVIEW_TRAINING_RUNS);
    expect(answer).toEqual({
      serverTime: '2024-06-15T12:00:00.000Z',
      activeVersion: 'v1',
      models: [
        {
          version: 'v2',
          status: 'rejected',
          kind: 'incremental',
          parentVersion: 'v1',
          createdAt: '2024-06-15T11:00:00.000Z',
          activatedAt: null,
          triggeredBy: 'schedule',
          // a stored value that is not a number is not shown as one
          heldOut: { ndcg: 0.1, hr: null, samples: null },
          gate: { decision: 'rejected', reason: GATE.reason, against: { kind: 'active', version: 'v1' }, candidateNdcg: 0.1, baselineNdcg: 0.2, tolerance: 0.02 },
        },
        expect.objectContaining({ version: 'v1', status: 'active', heldOut: { ndcg: 0.2, hr: 0.4, samples: 300 }, gate: null }),
      ],
      activations: [{ version: 'v1', at: '2024-06-15T11:00:00.000Z', by: 'gate', previous: null }],
      training: [
        { jobId: 'manual-1', name: 'train', state: 'completed', progress: 1, mode: 'incremental', triggeredBy: 'admin', createdAt: job.createdAt, outcome: 'rejected', modelVersion: 'v2', reason: GATE.reason },
        expect.objectContaining({ jobId: 'manual-2', state: 'failed', outcome: null, modelVersion: null, reason: expect.stringMatching(/^x{299}…$/) }),
      ],
      ingest: { interactions: 120, products: 30, duplicates: 4, deadLettered: 1, abusive: 0, lagMessages: 7 },
      unavailable: [],
    });
    // nothing of the admin's token, not even its fingerprint, nor the run's internals
    expect(JSON.stringify(answer)).not.toMatch(/token:|abcdef|"run"|"metrics"/);
  });

  it('without an active version says so', async () => {
    const { service } = fakes({ rows: [row('v1', { status: 'rejected' })] });
    expect((await service.overview()).activeVersion).toBeNull();
  });

  it('a part that cannot be read is left empty and named; the rest still answers', async () => {
    const { service } = fakes({ rows: [row('v1', { status: 'active' })], failing: ['training', 'ingest'] });
    const answer = await service.overview();
    expect(answer).toMatchObject({ activeVersion: 'v1', training: [], ingest: null, unavailable: ['training', 'ingest'] });
    const down = await fakes({ failing: ['models', 'activations'] }).service.overview();
    expect(down).toMatchObject({ activeVersion: null, models: [], activations: [], unavailable: ['models', 'activations'] });
  });

  it('serves one read to every caller for two seconds, then reads anew', async () => {
    const { service, repo, tick } = fakes({ rows: [row('v1', { status: 'active' })] });
    const [a, b] = await Promise.all([service.overview(), service.overview()]);
    expect(a).toBe(b);
    tick(1999);
    expect(await service.overview()).toBe(a);
    expect(repo.models).toHaveBeenCalledTimes(1);
    tick(1);
    const c = await service.overview();
    expect(c).not.toBe(a);
    expect(c.serverTime).toBe('2024-06-15T12:00:02.000Z');
    expect(repo.models).toHaveBeenCalledTimes(2);
  });
});
