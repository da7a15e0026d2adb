import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@recsys/config';
import type { ActivationBroadcaster } from './activation.broadcaster';
import { ArtifactStore, CHECKPOINT_FILE, MODEL_FILE, sha256 } from './artifact.store';
import type { ModelStatus } from './model-version';
import type { RegistryRepository } from './registry.repository';
import { RegistryService } from './registry.service';

/** An in-memory registry table (unit tests fake the repository; the real one is covered against PostgreSQL). */
function fakeRepo(rows: { version: string; status: ModelStatus; parentVersion: string | null; checksum?: string }[]) {
  const retired: string[] = [];
  const activated: string[] = [];
  const repo = {
    withFiles: async () => rows.filter((r) => r.status !== 'retired').map(({ version, status, parentVersion }) => ({ version, status, parentVersion })),
    retire: async (vs: readonly string[]) => {
      const out = rows.filter((r) => vs.includes(r.version) && r.status !== 'active').map((r) => r.version);
      for (const r of rows) if (out.includes(r.version)) r.status = 'retired';
      retired.push(...out);
      return out;
    },
    allVersions: async () => new Set(rows.map((r) => r.version)),
    get: async (v: string) => {
      const r = rows.find((x) => x.version === v);
      return r ? { ...r, checksum: r.checksum ?? null, checkpointChecksum: null, reason: 'worse' } : null;
    },
    activate: async (v: string) => {
      const prev = rows.find((r) => r.status === 'active');
      if (prev) prev.status = 'candidate';
      rows.find((r) => r.version === v)!.status = 'active';
      activated.push(v);
      return { previous: prev?.version ?? null };
    },
  };
  return { repo: repo as unknown as RegistryRepository, retired, activated };
}

describe('the model registry', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const broadcasts: string[] = [];
  const broadcaster = { publish: async (v: string) => (broadcasts.push(v), true) } as unknown as ActivationBroadcaster;

  it('publishes a version directory whole, with checksums, and never over an existing one', () => {
    const store = new ArtifactStore(dir);
    const files = store.publish('v1', { [MODEL_FILE]: Buffer.from('model'), [CHECKPOINT_FILE]: Buffer.from('ckpt') });
    expect(files[MODEL_FILE]).toEqual({ checksum: sha256(Buffer.from('model')), sizeBytes: 5 });
    expect(store.read('v1').toString()).toBe('model');
    expect(fs.readdirSync(dir)).toEqual(['v1']);
    expect(() => store.publish('v1', { [MODEL_FILE]: Buffer.from('other') })).toThrow(/never changed/);
    expect(store.read('v1').toString()).toBe('model');
    expect(() => store.versionDir('../etc')).toThrow(RangeError);
  });

  it('keeps the newest MODEL_KEEP versions plus the active one and its parent, and deletes the rest with orphans', async () => {
    const store = new ArtifactStore(dir);
    const rows = Array.from({ length: 8 }, (_, i) => ({ version: `v${8 - i}`, status: 'candidate' as ModelStatus, parentVersion: i < 7 ? `v${7 - i}` : null }));
    rows.find((r) => r.version === 'v3')!.status = 'active';
    for (const r of rows) store.publish(r.version, { [MODEL_FILE]: Buffer.from(r.version) });
    store.publish('v99', { [MODEL_FILE]: Buffer.from('orphan') });
    fs.mkdirSync(path.join(dir, '.staging-v100-1'));
    const { repo, retired } = fakeRepo(rows);
    const service = new RegistryService(loadConfig({ MODEL_KEEP: '3' }, {}), repo, store, broadcaster);
    const out = await service.applyRetention();
    expect(out.sort()).toEqual(['v1', 'v4', 'v5']);
    expect(retired.sort()).toEqual(['v1', 'v4', 'v5']);
    expect(store.versionsOnDisk().sort()).toEqual(['v2', 'v3', 'v6', 'v7', 'v8']);
    expect(fs.readdirSync(dir).some((n) => n.startsWith('.staging-'))).toBe(false);
  });

  it('refuses a rejected version without force, and one whose artifact no longer matches its checksum', async () => {
    const store = new ArtifactStore(dir);
    const good = store.publish('v2', { [MODEL_FILE]: Buffer.from('two') })[MODEL_FILE];
    store.publish('v3', { [MODEL_FILE]: Buffer.from('three') });
    const { repo, activated } = fakeRepo([
      { version: 'v2', status: 'rejected', parentVersion: null, checksum: good.checksum },
      { version: 'v3', status: 'candidate', parentVersion: null, checksum: 'f'.repeat(64) },
    ]);
    const service = new RegistryService(loadConfig({}, {}), repo, store, broadcaster);
    await expect(service.activate('v2')).rejects.toMatchObject({ status: 409, code: 'rejected_version' });
    await expect(service.activate('v3')).rejects.toMatchObject({ status: 409, code: 'artifact_invalid' });
    await expect(service.activate('v9')).rejects.toMatchObject({ status: 404 });
    await expect(service.activate('x/../v2')).rejects.toMatchObject({ status: 400 });
    expect(activated).toEqual([]);
    expect(await service.activate('v2', { force: true })).toEqual({ version: 'v2', previous: null, changed: true });
    expect(broadcasts).toContain('v2');
  });
});
