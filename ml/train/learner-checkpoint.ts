/**
 * Learner checkpoints: everything a ContinualLearner needs to continue as if it had never stopped (the student and the
 * teacher with their optimizer slots and sparse stores, the transition memory, the mixer, the replay reservoir, the
 * random generator, the step count, the pending samples), the features it learns with (the catalog and the users'
 * recent positives), and the caller's cursor of the last event learned from.
 *
 * Encoded as a checksummed bundle (core/bundle); a file is written under a temporary name, flushed and renamed, so a
 * reader sees the old checkpoint or the new one, never a part. Decoding refuses a wrong kind or schema version with a
 * typed error (and a corrupted bundle with core/bundle's ChecksumError).
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeBundle, encodeBundle } from '../core/bundle';
import { Catalog, type CatalogState } from '../features/catalog';
import { FeatureState, type FeatureStateState } from '../features/state';
import { packExamples, unpackExamples, type ExamplePack } from './example-pack';
import { ContinualLearner, type LearnerState } from './learner';

export { ChecksumError } from '../core/bundle';

/** The `kind` of a learner checkpoint. */
export const LEARNER_CHECKPOINT_KIND = 'learner-checkpoint';
/** The layout version written; decoding refuses any other. */
export const LEARNER_CHECKPOINT_SCHEMA_VERSION = 1;

/** A JSON value (the cursor's type). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The bundle is not a learner checkpoint (another kind of bundle, e.g. a serving artifact). */
export class CheckpointKindError extends Error {
  constructor(readonly found: unknown) {
    super(`not a ${LEARNER_CHECKPOINT_KIND} (kind ${JSON.stringify(found)})`);
    this.name = 'CheckpointKindError';
  }
}

/** A learner checkpoint of another schema version than this code reads. */
export class CheckpointSchemaError extends Error {
  constructor(readonly found: unknown) {
    super(`${LEARNER_CHECKPOINT_KIND} schema version ${JSON.stringify(found)} (this code reads ${LEARNER_CHECKPOINT_SCHEMA_VERSION})`);
    this.name = 'CheckpointSchemaError';
  }
}

/** What the caller adds to the learner when checkpointing it. */
export interface LearnerCheckpointOptions {
  /** The last event learned from (any JSON value: an offset, an event id, a timestamp...), given back on restore. */
  cursor: JsonValue;
  /** The features the learner learns with (they must share its catalog); without them only the catalog is kept. */
  features?: FeatureState;
  /** ISO time of the checkpoint. Default: now. */
  createdAt?: string;
}

/** A restored learner with what travelled with it. */
export interface LearnerCheckpoint {
  learner: ContinualLearner;
  /** The restored features (sharing the learner's catalog), or null when the checkpoint was written without them. */
  features: FeatureState | null;
  catalog: Catalog;
  cursor: JsonValue;
  createdAt: string;
  /** Steps the learner had taken. */
  steps: number;
}

type PackedLearnerState = Omit<LearnerState, 'pending' | 'teacherPending' | 'reservoir'> & {
  pending: ExamplePack;
  teacherPending: ExamplePack;
  reservoir: { size: number; seen: number; examples: ExamplePack };
};

interface CheckpointTree {
  kind: string;
  schemaVersion: number;
  createdAt: string;
  cursor: JsonValue;
  /** Exactly one of features / catalog is set. */
  features: FeatureStateState | null;
  catalog: CatalogState | null;
  learner: PackedLearnerState;
}

/** The learner (and its features) as checkpoint bytes. */
export function encodeLearnerCheckpoint(learner: ContinualLearner, o: LearnerCheckpointOptions): Buffer {
  if (o.features && o.features.catalog !== learner.catalog) throw new Error('the features must share the learner catalog');
  const s = learner.state();
  const tree: CheckpointTree = {
    kind: LEARNER_CHECKPOINT_KIND,
    schemaVersion: LEARNER_CHECKPOINT_SCHEMA_VERSION,
    createdAt: o.createdAt ?? new Date().toISOString(),
    cursor: o.cursor,
    features: o.features ? o.features.state() : null,
    catalog: o.features ? null : learner.catalog.state(),
    learner: {
      ...s,
      pending: packExamples(s.pending),
      teacherPending: packExamples(s.teacherPending),
      reservoir: { size: s.reservoir.size, seen: s.reservoir.seen, examples: packExamples(s.reservoir.examples) },
    },
  };
  return encodeBundle(tree);
}

/** A learner (and its features) from checkpoint bytes; throws ChecksumError, CheckpointKindError or CheckpointSchemaError. */
export function decodeLearnerCheckpoint(buf: Buffer): LearnerCheckpoint {
  const tree = decodeBundle<CheckpointTree>(buf);
  if (!tree || typeof tree !== 'object' || tree.kind !== LEARNER_CHECKPOINT_KIND) throw new CheckpointKindError(tree?.kind);
  if (tree.schemaVersion !== LEARNER_CHECKPOINT_SCHEMA_VERSION) throw new CheckpointSchemaError(tree.schemaVersion);
  const features = tree.features ? FeatureState.fromState(tree.features) : null;
  const catalog = features ? features.catalog : Catalog.fromState(tree.catalog as CatalogState);
  const p = tree.learner;
  const state: LearnerState = {
    ...p,
    pending: unpackExamples(p.pending),
    teacherPending: unpackExamples(p.teacherPending),
    reservoir: { size: p.reservoir.size, seen: p.reservoir.seen, examples: unpackExamples(p.reservoir.examples) },
  };
  return { learner: ContinualLearner.fromState(state, catalog), features, catalog, cursor: tree.cursor, createdAt: tree.createdAt, steps: p.steps };
}

let tmpCounter = 0;

/**
 * Writes a learner checkpoint to `file`: to a temporary name beside it first, flushed to disk, then renamed over
 * `file` (atomic on one filesystem), so a crash leaves the previous checkpoint or the new one. Returns the bytes
 * written.
 */
export function writeLearnerCheckpoint(file: string, learner: ContinualLearner, o: LearnerCheckpointOptions): number {
  const buf = encodeLearnerCheckpoint(learner, o);
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, buf);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  // the rename itself reaches the disk with the directory's entry
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // some platforms cannot open or fsync a directory; the rename stands
  }
  return buf.length;
}

/** Reads and decodes a learner checkpoint file (see decodeLearnerCheckpoint for the errors). */
export function readLearnerCheckpoint(file: string): LearnerCheckpoint {
  return decodeLearnerCheckpoint(fs.readFileSync(file));
}
