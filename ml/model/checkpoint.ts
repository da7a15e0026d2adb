/**
 * Model checkpoints: one TwoTowerModel's full state (weights, optimizer slots, sparse stores) and its catalog in a
 * checksummed bundle. A trainer that must resume exactly keeps a learner checkpoint instead (train/learner-checkpoint:
 * the teacher, the memory, the mixer, the reservoir, the random draws and the features too).
 */
import { decodeBundle, encodeBundle } from '../core/bundle';
import { Catalog, type CatalogState } from '../features/catalog';
import { TwoTowerModel, type TwoTowerState } from './two-tower';

/** The `kind` of a model checkpoint. */
export const MODEL_CHECKPOINT_KIND = 'two-tower-checkpoint';

/** The bundle is not a model checkpoint (e.g. a learner checkpoint or a serving artifact). */
export class ModelCheckpointKindError extends Error {
  constructor(readonly found: unknown) {
    super(`not a ${MODEL_CHECKPOINT_KIND} (kind ${JSON.stringify(found)})`);
    this.name = 'ModelCheckpointKindError';
  }
}

interface CheckpointTree {
  kind: typeof MODEL_CHECKPOINT_KIND;
  catalog: CatalogState;
  model: TwoTowerState;
}

/** The model and its catalog as checkpoint bytes. */
export function saveCheckpoint(model: TwoTowerModel): Buffer {
  const tree: CheckpointTree = { kind: MODEL_CHECKPOINT_KIND, catalog: model.catalog.state(), model: model.state() };
  return encodeBundle(tree);
}

/**
 * Loads a checkpoint (verifying its checksum: ChecksumError; its kind: ModelCheckpointKindError) into a new model with
 * its own catalog, or into `catalog` when given.
 */
export function loadCheckpoint(buf: Buffer, catalog?: Catalog): TwoTowerModel {
  const tree = decodeBundle<CheckpointTree>(buf);
  if (tree?.kind !== MODEL_CHECKPOINT_KIND) throw new ModelCheckpointKindError(tree?.kind);
  return TwoTowerModel.fromState(tree.model, catalog ?? Catalog.fromState(tree.catalog));
}
