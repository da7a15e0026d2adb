/** Training checkpoints: the full model state (weights, optimizer slots, catalog) in a checksummed bundle. */
import { decodeBundle, encodeBundle } from '../core/bundle';
import { Catalog } from '../features/catalog';
import { TwoTowerModel, type TwoTowerState } from './two-tower';

interface CatalogState {
  imageDim: number;
  ids: string[];
  content: number[][];
  images: (Float32Array | null)[];
  active: boolean[];
}

interface CheckpointTree {
  kind: 'two-tower-checkpoint';
  catalog: CatalogState;
  model: TwoTowerState;
}

export function catalogState(c: Catalog): CatalogState {
  return { imageDim: c.imageDim, ids: c.ids.slice(), content: c.content.map((x) => x.slice()), images: c.images.slice(), active: c.active.slice() };
}

export function catalogFromState(s: CatalogState): Catalog {
  const c = new Catalog(s.imageDim);
  s.ids.forEach((id, i) => {
    c.ensure(id);
    c.content[i] = s.content[i].slice();
    c.images[i] = s.images[i];
    c.active[i] = s.active[i];
  });
  return c;
}

export function saveCheckpoint(model: TwoTowerModel): Buffer {
  const tree: CheckpointTree = { kind: 'two-tower-checkpoint', catalog: catalogState(model.catalog), model: model.state() };
  return encodeBundle(tree);
}

/** Loads a checkpoint (verifying its checksum) into a new model with its own catalog, or into `catalog` when given. */
export function loadCheckpoint(buf: Buffer, catalog?: Catalog): TwoTowerModel {
  const tree = decodeBundle<CheckpointTree>(buf);
  if (tree.kind !== 'two-tower-checkpoint') throw new Error('not a two-tower checkpoint');
  return TwoTowerModel.fromState(tree.model, catalog ?? catalogFromState(tree.catalog));
}
