import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VERSION_PATTERN } from './model-version';

/** The serving artifact of a version (what the scoring API loads). */
export const MODEL_FILE = 'model.rsm';
/** The learner checkpoint of a version (what the next training step continues from). */
export const CHECKPOINT_FILE = 'learner.ckpt';

/** Size and sha256 of a stored file. */
export interface StoredFile {
  checksum: string;
  sizeBytes: number;
}

const STAGING = '.staging-';
const JOBS = '.jobs';

function fsyncPath(p: string): void {
  try {
    const fd = fs.openSync(p, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // some platforms cannot fsync a directory; the rename stands
  }
}

function writeSynced(file: string, buf: Buffer): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, buf);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** sha256 (hex) of bytes. */
export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * The versions' files under MODEL_DIR: `<dir>/<version>/{model.rsm,learner.ckpt}`. A version's directory is written
 * under a staging name, every file and the directory flushed to disk, then renamed into place: a crash leaves either
 * no version directory or a complete one, never a partial artifact. Files are never changed after.
 */
export class ArtifactStore {
  constructor(readonly dir: string) {}

  versionDir(version: string): string {
    if (!VERSION_PATTERN.test(version)) throw new RangeError(`not a version name: ${version}`);
    return path.join(this.dir, version);
  }

  modelPath(version: string): string {
    return path.join(this.versionDir(version), MODEL_FILE);
  }

  checkpointPath(version: string): string {
    return path.join(this.versionDir(version), CHECKPOINT_FILE);
  }

  exists(version: string): boolean {
    return fs.existsSync(this.modelPath(version));
  }

  /** Writes a version's files (name -> bytes) atomically; returns each file's size and checksum. */
  publish(version: string, files: Record<string, Buffer>): Record<string, StoredFile> {
    const final = this.versionDir(version);
    if (fs.existsSync(final)) throw new Error(`version ${version} already has files; artifacts are never changed`);
    fs.mkdirSync(this.dir, { recursive: true });
    const staging = path.join(this.dir, `${STAGING}${version}-${process.pid}`);
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging);
    const out: Record<string, StoredFile> = {};
    try {
      for (const [name, buf] of Object.entries(files)) {
        writeSynced(path.join(staging, name), buf);
        out[name] = { checksum: sha256(buf), sizeBytes: buf.length };
      }
      fsyncPath(staging);
      fs.renameSync(staging, final);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    fsyncPath(this.dir);
    return out;
  }

  read(version: string, file: string = MODEL_FILE): Buffer {
    return fs.readFileSync(path.join(this.versionDir(version), file));
  }

  /**
   * Whether a version's file still has the checksum recorded for it. The file is streamed through the hash in 1 MiB
   * slices, so checking a large artifact or checkpoint in a server never holds its event loop for long.
   */
  async verify(version: string, checksum: string, file: string = MODEL_FILE): Promise<boolean> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of fs.createReadStream(path.join(this.versionDir(version), file), { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    } catch {
      return false;
    }
    return hash.digest('hex') === checksum;
  }

  remove(version: string): void {
    fs.rmSync(this.versionDir(version), { recursive: true, force: true });
  }

  /** Version directories on disk. */
  versionsOnDisk(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs.readdirSync(this.dir).filter((n) => VERSION_PATTERN.test(n) && fs.statSync(path.join(this.dir, n)).isDirectory());
  }

  /** Removes staging directories a crashed run left (call while no run writes: under the training lock). */
  cleanStaging(): number {
    if (!fs.existsSync(this.dir)) return 0;
    let n = 0;
    for (const name of fs.readdirSync(this.dir)) {
      if (name.startsWith(STAGING)) {
        fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
        n++;
      }
    }
    return n;
  }

  /** Where a running job keeps its progress checkpoint (a retry of the job resumes from it). */
  jobCheckpointPath(jobId: string): string {
    const safe = createHash('sha256').update(jobId).digest('hex').slice(0, 32);
    return path.join(this.dir, JOBS, `${safe}.ckpt`);
  }

  removeJobCheckpoint(jobId: string): void {
    fs.rmSync(this.jobCheckpointPath(jobId), { force: true });
  }

  /** A file written to a temporary name, flushed and renamed over `file`. */
  static writeAtomic(file: string, buf: Buffer): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeSynced(tmp, buf);
    fs.renameSync(tmp, file);
    fsyncPath(path.dirname(file));
  }
}
