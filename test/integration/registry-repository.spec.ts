/**
 * The registry's rows against the real PostgreSQL: one active version at a time, activation in one transaction, a
 * candidate not promoted over an activation that happened while it trained, retired versions never reactivated.
 */
import type { DataSource } from 'typeorm';
import { NewModelVersion, RegistryRepository } from '@recsys/registry';
import { openDatabase } from '@recsys/storage';
import { dropSchema, isolatedConfig } from '../support/test-env';

function version(n: number, status: NewModelVersion['status'], parent: string | null = null): NewModelVersion {
  return {
    version: `v${n}`,
    number: n,
    parentVersion: parent,
    kind: 'incremental',
    status,
    metrics: { ndcg: 0.1 },
    gate: null,
    reason: null,
    checksum: 'a'.repeat(64),
    sizeBytes: 10,
    checkpointChecksum: null,
    checkpointBytes: null,
    cursor: { txid: '1' },
    trigger: { by: 'test' },
    jobId: null,
  };
}

describe('the model registry in PostgreSQL', () => {
  const config = isolatedConfig();
  let ds: DataSource;
  let repo: RegistryRepository;
  beforeAll(async () => {
    ds = await openDatabase(config, { poolSize: 3 });
    repo = new RegistryRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  });

  it('keeps one active version; activation and a promoted insert move the pointer in one transaction', async () => {
    expect(await repo.insert(version(1, 'active'), null)).toMatchObject({ previous: null, status: 'active' });
    expect(await repo.insert(version(2, 'active', 'v1'), 'v1')).toMatchObject({ previous: 'v1', status: 'active' });
    expect((await repo.get('v1'))?.status).toBe('candidate');
    expect(await repo.activate('v1')).toEqual({ previous: 'v2' });
    expect(await repo.activeVersion()).toBe('v1');
    expect(await repo.ancestors('v2')).toEqual([{ version: 'v1', status: 'active', kind: 'incremental' }]);
    // the database itself refuses a second active row
    await expect(ds.query(`UPDATE model_versions SET status = 'active' WHERE version = 'v2'`)).rejects.toThrow(/unique/);
  });

  it('a candidate whose base stopped being active while it trained is stored as rejected, saying why', async () => {
    // v3 trained from v1; meanwhile an admin activated v2
    await repo.activate('v2');
    const out = await repo.insert(version(3, 'active', 'v1'), 'v1');
    expect(out.status).toBe('rejected');
    expect(out.reason).toContain('changed from v1 to v2');
    expect(await repo.activeVersion()).toBe('v2');
  });

  it('retires all but the active version when asked, and never activates a retired one', async () => {
    expect((await repo.retire(['v1', 'v2'])).sort()).toEqual(['v1']);
    expect(await repo.activate('v1')).toBe('retired');
    expect(await repo.activeVersion()).toBe('v2');
    expect(await repo.activate('v404')).toBeUndefined();
  });
});
