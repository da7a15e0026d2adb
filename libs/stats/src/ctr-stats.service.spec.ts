import { DomainError } from '@recsys/observability';
import { CtrCount, CtrStatsRepository } from './ctr-stats.repository';
import { CTR_STATS_QUERY } from './ctr-stats.query';
import { CtrStatsService } from './ctr-stats.service';
import { wilsonInterval } from './wilson';

const NOW = Date.UTC(2024, 5, 15, 12, 30);
const HOUR = 3_600_000;

/** A repository whose every method is a mock: a call the test did not set up fails. */
function fakeRepository(counts: CtrCount[]): { repo: CtrStatsRepository; counts: jest.Mock } {
  const countsMock = jest.fn(async () => counts);
  const repo = {
    now: jest.fn(() => NOW),
    counts: countsMock,
  } as unknown as CtrStatsRepository;
  return { repo, counts: countsMock };
}

describe('the CTR statistics service', () => {
  it('asks the repository for the resolved window and answers each bucket with its interval', async () => {
    const { repo, counts } = fakeRepository([
      { modelVersion: 'v1', bucketStartMs: NOW - 2 * HOUR - 30 * 60_000, impressions: 100, clicks: 10 },
      { modelVersion: 'v2', bucketStartMs: NOW - 30 * 60_000, impressions: 0, clicks: 0 },
    ]);
    const answer = await new CtrStatsService(repo).series(CTR_STATS_QUERY.parse({}));
    expect(counts).toHaveBeenCalledWith(NOW - 24 * HOUR, NOW, HOUR);
    const ten = wilsonInterval(10, 100);
    expect(answer).toEqual({
      series: [
        { modelVersion: 'v1', bucketStart: '2024-06-15T10:00:00.000Z', impressions: 100, clicks: 10, ctr: 0.1, ctrLow: ten.low, ctrHigh: ten.high },
        { modelVersion: 'v2', bucketStart: '2024-06-15T12:00:00.000Z', impressions: 0, clicks: 0, ctr: 0, ctrLow: 0, ctrHigh: 1 },
      ],
    });
  });

  it('reports the stored clicks where they exceed the impressions, with the rate capped at 1', async () => {
    const { repo } = fakeRepository([{ modelVersion: 'v3', bucketStartMs: NOW - 30 * 60_000, impressions: 4, clicks: 6 }]);
    const [point] = (await new CtrStatsService(repo).series(CTR_STATS_QUERY.parse({}))).series;
    const all = wilsonInterval(4, 4);
    expect(point).toEqual({ modelVersion: 'v3', bucketStart: '2024-06-15T12:00:00.000Z', impressions: 4, clicks: 6, ctr: 1, ctrLow: all.low, ctrHigh: 1 });
  });

  it('refuses a reversed range before asking the database', async () => {
    const { repo, counts } = fakeRepository([]);
    const refused = new CtrStatsService(repo).series(CTR_STATS_QUERY.parse({ from: String(NOW), to: String(NOW - 1) }));
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    expect(counts).not.toHaveBeenCalled();
  });
});
