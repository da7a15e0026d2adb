import type { DataSource } from 'typeorm';
import { LOAD_FAILURE_ERROR_MAX, LOAD_FAILURE_INSTANCE_MAX, LoadFailureRepository } from './load-failure.repository';

/** A data source that records each query and answers with `rows` (the real table is covered against PostgreSQL). */
function recordingSource(rows: unknown[] = []) {
  const queries: { sql: string; params: unknown[] }[] = [];
  const ds = { query: async (sql: string, params: unknown[] = []) => (queries.push({ sql, params }), rows) } as unknown as DataSource;
  return { ds, queries };
}

describe('the load-failure log', () => {
  it('cuts the error to LOAD_FAILURE_ERROR_MAX characters and the instance to its column, never half a surrogate pair', async () => {
    const { ds, queries } = recordingSource();
    const repo = new LoadFailureRepository(ds);
    await repo.record({ version: 'v3', instance: 'h'.repeat(300), error: 'x'.repeat(LOAD_FAILURE_ERROR_MAX - 1) + '😀 and more' });
    const [version, instance, error] = queries[0].params as string[];
    expect(version).toBe('v3');
    expect(instance).toHaveLength(LOAD_FAILURE_INSTANCE_MAX);
    expect(error).toBe('x'.repeat(LOAD_FAILURE_ERROR_MAX - 1));
  });

  it('keeps a short error whole and replaces U+0000, which PostgreSQL text refuses', async () => {
    const { ds, queries } = recordingSource();
    await new LoadFailureRepository(ds).record({ version: 'v1', instance: 'api-1:42', error: 'bad magic \u0000\u0001 in model.rsm' });
    expect(queries[0].params).toEqual(['v1', 'api-1:42', 'bad magic \ufffd\u0001 in model.rsm']);
  });

  it('answers newest first with ISO times, and asks nothing for a version no row can hold', async () => {
    const at = new Date('2025-03-02T10:00:00.000Z');
    const { ds, queries } = recordingSource([{ version: 'v3', instance: 'api-1:42', error: 'checksum mismatch', at }]);
    const repo = new LoadFailureRepository(ds);
    expect(await repo.forVersion('v3', 5)).toEqual([{ version: 'v3', instance: 'api-1:42', error: 'checksum mismatch', at: '2025-03-02T10:00:00.000Z' }]);
    expect(queries[0].sql).toMatch(/WHERE version = \$1 ORDER BY at DESC, id DESC LIMIT \$2/);
    expect(queries[0].params).toEqual(['v3', 5]);
    expect(await repo.forVersion('v'.repeat(65), 5)).toEqual([]);
    expect(await repo.forVersion('v\u00003', 5)).toEqual([]);
    expect(queries).toHaveLength(1);
  });
});
