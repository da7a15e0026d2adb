import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { DomainError } from '@recsys/observability';
import { ActivationBroadcaster } from './activation.broadcaster';
import { ArtifactStore, CHECKPOINT_FILE } from './artifact.store';
import { ModelDetail, ModelSummary, ModelVersionRecord, NewModelVersion, VERSION_PATTERN, summaryOf } from './model-version';
import { RegistryRepository } from './registry.repository';

/** What an activation did. */
export interface ActivationResult {
  version: string;
  previous: string | null;
  /** False when the version was active already. */
  changed: boolean;
}

/**
 * The model registry: versions in PostgreSQL, their files in the artifact store, activations broadcast on Redis.
 * Activation (rollback or forward) verifies the version's files against their checksums before the pointer moves.
 */
@Injectable()
export class RegistryService {
  private readonly logger = new Logger('registry');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    readonly repo: RegistryRepository,
    readonly store: ArtifactStore,
    private readonly broadcaster: ActivationBroadcaster,
  ) {}

  async list(): Promise<ModelSummary[]> {
    return (await this.repo.list()).map(summaryOf);
  }

  /** One version with its gate comparison and lineage; 400 for a malformed name, 404 for an unknown one. */
  async detail(version: string): Promise<ModelDetail> {
    const r = await this.require(version);
    const [lineage, children] = await Promise.all([this.repo.ancestors(version), this.repo.children(version)]);
    return {
      ...summaryOf(r),
      activatedAt: r.activatedAt,
      retiredAt: r.retiredAt,
      reason: r.reason,
      gate: r.gate,
      checksum: r.checksum,
      cursor: r.cursor,
      trigger: r.trigger,
      jobId: r.jobId,
      lineage,
      children,
    };
  }

  private async require(version: string): Promise<ModelVersionRecord> {
    if (!VERSION_PATTERN.test(version)) throw new DomainError(400, 'invalid_version', `not a version name: ${JSON.stringify(version.slice(0, 80))} (expected v<number>)`);
    const r = await this.repo.get(version);
    if (!r) throw new DomainError(404, 'unknown_version', `no model version ${version}`);
    return r;
  }

  /**
   * Makes a version active (rollback or forward). Refuses (409) a rejected version unless `force`, a retired one
   * (its files are gone), and one whose files no longer match their checksums. Broadcasts the change.
   */
  async activate(version: string, o: { force?: boolean } = {}): Promise<ActivationResult> {
    const r = await this.require(version);
    if (r.status === 'retired') throw new DomainError(409, 'retired', `version ${version} is retired: its files were deleted`);
    if (r.status === 'rejected' && !o.force) {
      throw new DomainError(409, 'rejected_version', `version ${version} was rejected by the gate (${r.reason ?? 'no reason'}); send {"force": true} to activate it anyway`);
    }
    if (!r.checksum || !(await this.store.verify(version, r.checksum))) {
      throw new DomainError(409, 'artifact_invalid', `the artifact of ${version} is missing or does not match its checksum`);
    }
    if (r.checkpointChecksum && !(await this.store.verify(version, r.checkpointChecksum, CHECKPOINT_FILE))) {
      throw new DomainError(409, 'artifact_invalid', `the learner checkpoint of ${version} is missing or does not match its checksum`);
    }
    const moved = await this.repo.activate(version);
    if (!moved) throw new DomainError(404, 'unknown_version', `no model version ${version}`);
    if (moved === 'retired') throw new DomainError(409, 'retired', `version ${version} is retired: its files were deleted`);
    const changed = moved.previous !== version;
    if (changed) {
      await this.broadcaster.publish(version);
      this.logger.log(`activated ${version} (was ${moved.previous ?? 'none'})`);
    }
    return { version, previous: changed ? moved.previous : null, changed };
  }

  /**
   * Records a version the trainer built (its files already published) and broadcasts it when it became active. A
   * promoted candidate whose base is no longer the active version (`expectedActive`) is stored as rejected instead;
   * returns the status and reason stored.
   */
  async record(v: NewModelVersion, expectedActive?: string | null): Promise<{ status: NewModelVersion['status']; reason: string | null }> {
    const out = await this.repo.insert(v, expectedActive);
    if (out.status === 'active') await this.broadcaster.publish(v.version);
    return { status: out.status, reason: out.reason };
  }

  /**
   * Keeps the newest MODEL_KEEP versions with files plus the active one and its parent; the rest are retired (row
   * marked, files deleted). Directories no row names (a run that crashed after writing them) are deleted too. Call
   * under the training lock.
   */
  async applyRetention(): Promise<string[]> {
    const rows = await this.repo.withFiles();
    const active = rows.find((r) => r.status === 'active');
    const keep = new Set<string>(rows.slice(0, this.config.MODEL_KEEP).map((r) => r.version));
    if (active) {
      keep.add(active.version);
      if (active.parentVersion) keep.add(active.parentVersion);
    }
    const retire = await this.repo.retire(rows.filter((r) => !keep.has(r.version)).map((r) => r.version));
    for (const v of retire) this.store.remove(v);
    const known = await this.repo.allVersions();
    for (const dir of this.store.versionsOnDisk()) {
      if (!known.has(dir)) this.store.remove(dir);
    }
    this.store.cleanStaging();
    return retire;
  }
}
