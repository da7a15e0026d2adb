/**
 * The registry's rows against the real PostgreSQL: one active version at a time, activation in one transaction, a
 * candidate not promoted over an activation that happened while it trained, retired versions never reactivated, and
 * the history of every activation (promote, rollback, re-activate), carried over from `activated_at` on upgrade.
 */
import type { DataSource } from 'typeorm';
import { NewModelVersion, RegistryRepository } from '@recsys/registry';
import { createDataSource, ensureSchema, openDatabase } from '@recsys/storage';
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

  it('keeps the history of every activation: promote, rollback and re-activate, each with who moved the pointer', async () => {
    // so far: v1 and v2 promoted by the gate, v1 rolled back to, v2 re-activated by an admin; v3 rejected
    const history = await repo.activations();
    expect(history.map(({ version, by, previous }) => ({ version, by, previous }))).toEqual([
      { version: 'v2', by: 'admin', previous: 'v1' },
      { version: 'v1', by: 'admin', previous: 'v2' },
      { version: 'v2', by: 'gate', previous: 'v1' },
      { version: 'v1', by: 'gate', previous: null },
    ]);
    const times = history.map((a) => Date.parse(a.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // the newest entry of a version is its activated_at
    expect(history[0].at).toBe((await repo.get('v2'))?.activatedAt);
    expect(history[1].at).toBe((await repo.get('v1'))?.activatedAt);

    // activating the active version moves nothing and records nothing; a rejected insert records nothing either
    expect(await repo.activate('v2')).toEqual({ previous: 'v2' });
    await repo.insert(version(4, 'rejected', 'v2'));
    expect(await repo.activations(2)).toEqual(history.slice(0, 2));
    expect(await repo.activations(1)).toEqual(history.slice(0, 1));
  });

  it('an activation that fails leaves no entry: the pointer and the history move together', async () => {
    // v4 was rejected; a forced activation whose transaction fails (here: the history row cannot be written) rolls back
    await ds.query(`ALTER TABLE model_activations ADD CONSTRAINT no_v4 CHECK (version <> 'v4')`);
    try {
      await expect(repo.activate('v4')).rejects.toThrow(/no_v4/);
    } finally {
      await ds.query(`ALTER TABLE model_activations DROP CONSTRAINT no_v4`);
    }
    expect(await repo.activeVersion()).toBe('v2');
    expect((await repo.activations(1))[0]).toMatchObject({ version: 'v2', by: 'admin' });
  });

  it('retires all but the active version when asked, and never activates a retired one', async () => {
    expect((await repo.retire(['v1', 'v2'])).sort()).toEqual(['v1']);
    expect(await repo.activate('v1')).toBe('retired');
    expect(await repo.activeVersion()).toBe('v2');
    expect(await repo.activate('v404')).toBeUndefined();
  });
});

describe('the activation history on a registry that predates it', () => {
  const config = isolatedConfig();
  afterAll(() => dropSchema(config.DATABASE_URL, config.DATABASE_SCHEMA));

  it('is carried over from each activated version: at insert the gate, later an admin', async () => {
    await ensureSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
    const ds = await createDataSource(config, { poolSize: 2 }).initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      await ds.undoLastMigration({ transaction: 'each' });
      const repo = new RegistryRepository(ds);
      // the history table is gone: write the rows as the registry did before it
      const insert = (n: number, status: string, activated: string): Promise<unknown> =>
        ds.query(
          `INSERT INTO model_versions (version, number, kind, status, created_at, activated_at) VALUES ($1, $2, 'incremental', $3, $4::timestamptz, ${activated})`,
          [`v${n}`, n, status, `2024-06-0${n}T00:00:00Z`],
        );
      await insert(1, 'candidate', `'2024-06-05T00:00:00Z'::timestamptz`);
      await insert(2, 'active', `$4::timestamptz`);
      await insert(3, 'rejected', 'NULL');
      await ds.runMigrations({ transaction: 'each' });
      expect(await repo.activations()).toEqual([
        { version: 'v1', at: '2024-06-05T00:00:00.000Z', by: 'admin', previous: null },
        { version: 'v2', at: '2024-06-02T00:00:00.000Z', by: 'gate', previous: null },
      ]);
      // new activations follow the carried-over ones
      expect(await repo.activate('v1')).toEqual({ previous: 'v2' });
      expect((await repo.activations(1))[0]).toMatchObject({ version: 'v1', by: 'admin', previous: 'v2' });
    } finally {
      await ds.destroy();
    }
  });
});
