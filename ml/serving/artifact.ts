/**
 * The serving artifact's format: what a scoring process loads. A checksummed bundle (core/bundle) holding
 * - meta: kind 'recsys-serving-model', schemaVersion, modelVersion, parentVersion, createdAt, the event cursor the
 *   model was trained through, its metrics, the vectors' precision and the item count;
 * - the final item vectors [v, bias] (int8 with a scale per row, or fp32): loading runs no tower;
 * - the item inputs x the user tower pools over, the context rows and the user-tower weights;
 * - what embeds a product that arrives later: the content rows (token table), the item-tower weights, imgProj when
 *   imageDim > 0, each item's id bias and whether it has an id row;
 * - the transition memory's serving state (each item's strongest successors, weights rounded to half precision) and its
 *   weight beta; the item regression's (float32 weights) and its weight gamma; both packed (serving/packed-pairs);
 * - the candidate index (IVF) over the item vectors, when the catalog is large enough to need one.
 * `load` refuses another kind (ArtifactKindError), a schema version it cannot read (ArtifactSchemaError) and a damaged
 * file (ChecksumError). It reads schema 2 (the wide halves as plain arrays), so versions published before 3 still load.
 */
import { createHash } from 'crypto';
import { decodeBundle, encodeBundle } from '../core/bundle';
import type { TowerConfig } from '../model/config';
import type { ParamName } from '../model/forward';
import type { TwoTowerModel } from '../model/two-tower';
import type { ItemRegression } from '../model/item-regression';
import type { TransitionMemory, TransitionState } from '../model/transitions';
import { buildCandidateIndex, type CandidateIndexOptions, type CandidateIndexState } from './candidate-index';
import { halfWeights, isPacked, packPairs, unpackPairs, type PackedPairs } from './packed-pairs';
import { VectorRows, type StoredRows, type VectorPrecision } from './vector-rows';

/** The `kind` of a serving artifact's meta. */
export const SERVING_ARTIFACT_KIND = 'recsys-serving-model';
/**
 * The artifact layout this code writes (2: final vectors, content rows, candidate index; 3: the wide halves packed,
 * the memory's weights at half precision).
 */
export const SERVING_SCHEMA_VERSION = 3;
/** The layouts this code reads. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [2, 3];
/**
 * Below this many items recommend scans the whole catalog and no index is built. Measured on a loaded 2-core machine
 * (int8, 65 wide, the index with its default lists and DEFAULT_NPROBE, subsets of the 100k synthetic catalog): the
 * exact scan costs 0.13 ms at 500 items and 0.17 ms at 1k, where the index saves under 0.1 ms at a recall of 0.97 and
 * 0.995; from 2k on the index is 3-12x faster (0.30 -> 0.11 ms at 2k, 0.71 -> 0.17 ms at 5k, 1.5 -> 0.40 ms at 10k,
 * 4.6 -> 0.39 ms at 30k).
 */
export const INDEX_MIN_ITEMS = 2000;

/** Any JSON value (the cursor and the metrics travel as JSON). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ArtifactMeta {
  kind: typeof SERVING_ARTIFACT_KIND;
  schemaVersion: number;
  /** This model's version; default: the first 16 hex digits of the sha256 of its item vectors and tower weights. */
  modelVersion: string;
  /** The version it was trained on from (null for a first model). */
  parentVersion: string | null;
  /** ISO time of the build. */
  createdAt: string;
  /** The event cursor the model was trained through (opaque to ml; null when not given). */
  cursor: JsonValue;
  /** The model's metrics (e.g. its held-out HR@10, NDCG@10, loss); {} when not given. */
  metrics: { [name: string]: JsonValue };
  precision: VectorPrecision;
  /** Items the artifact holds (the catalog at the build, plus products added before a save). */
  items: number;
}

/** What the caller says about the model it builds an artifact of (every field optional). */
export interface ArtifactBuildMeta {
  modelVersion?: string;
  /** Default null. */
  parentVersion?: string | null;
  /** Default the time of the build. */
  createdAt?: string;
  /** Default null. */
  cursor?: JsonValue;
  /** Default {}. */
  metrics?: { [name: string]: JsonValue };
}

/** The transition memory (the student's wide half) to ship, and its weight. */
export interface ArtifactMemory {
  memory: Pick<TransitionMemory, 'servingState'>;
  beta: number;
  /** Successors kept per item (the strongest); default 100. */
  maxNeighbours?: number;
  /**
   * The memory's weights: `half` (default) rounds them to half precision, 2 bytes each in the artifact (each moves by
   * at most 1/2048 of itself, so only near-ties between items can flip); `float32` keeps them as the learner's.
   */
  memoryWeights?: 'half' | 'float32';
  /** The item regression (the second wide half) and its weight gamma; default none. */
  regression?: { table: Pick<ItemRegression, 'servingState'>; gamma: number; maxNeighbours?: number } | null;
  /**
   * The weights per history bucket (the mixer's): a user with n known recent positives is in the first bucket whose
   * bound exceeds n (the last bucket past them all); default none: beta and gamma for every user.
   */
  byHistory?: { bounds: readonly number[]; beta: readonly number[]; gamma: readonly number[] };
}

export interface ArtifactBuildOptions {
  /**
   * The item vectors [v, bias] per catalog index, row-major (e.g. `learner.itemVectors().vectors`, so the artifact
   * ranks with the learner's own numbers); default `model.itemVectors()`.
   */
  vectors?: Float32Array;
  /** The candidate index: false for none, else its options; default built when the catalog has >= INDEX_MIN_ITEMS items. */
  index?: CandidateIndexOptions | false;
  /** Builds the index below INDEX_MIN_ITEMS too (tests, benches); default false. */
  forceIndex?: boolean;
}

export type ArtifactConfig = Pick<TowerConfig, 'dim' | 'hidden' | 'cross' | 'historyLen' | 'useUserId' | 'imageDim'>;

/** The artifact as stored. */
export interface ArtifactTree {
  meta: ArtifactMeta;
  config: ArtifactConfig;
  itemIds: string[];
  /** 1: live (rankable), 0: deleted. */
  active: Uint8Array;
  /** 1: the item has a learned id row (its vector is more than its content). */
  hasIdRow: Uint8Array;
  idBias: Float32Array;
  /** Final item vectors [v, bias]. */
  vectors: StoredRows;
  /** Item inputs x (what the user tower pools over). */
  inputs: StoredRows;
  /** Content rows: keys (32-bit hashes as int32) and their rows. */
  content: { keys: Int32Array; rows: StoredRows };
  ctxKeys: Float64Array;
  ctxRows: Float32Array;
  /** The towers' dense weights (user and item tower; imgProj when imageDim > 0). */
  dense: Partial<Record<ParamName, { shape: number[]; value: Float32Array }>>;
  memory?: TransitionState & { beta: number };
  /** The item regression's weights (each item's strongest, read over `window` recent items) and its weight gamma. */
  regression?: TransitionState & { gamma: number };
  /** The wide halves' weights per history bucket (ArtifactMemory.byHistory); absent: beta and gamma for everyone. */
  mix?: { bounds: number[]; beta: number[]; gamma: number[] };
  index?: CandidateIndexState;
}

/** The file is a bundle of another kind (a learner checkpoint, an older artifact). */
export class ArtifactKindError extends Error {
  override name = 'ArtifactKindError';
  constructor(readonly found: unknown) {
    super(`not a serving artifact: kind ${JSON.stringify(found)}, expected ${JSON.stringify(SERVING_ARTIFACT_KIND)}`);
  }
}

/** A serving artifact of another schema version than this code reads. */
export class ArtifactSchemaError extends Error {
  override name = 'ArtifactSchemaError';
  constructor(readonly found: unknown) {
    super(`serving artifact schema ${JSON.stringify(found)}, this code reads ${READABLE_SCHEMA_VERSIONS.join(' and ')}`);
  }
}

const USER_PARAMS: ParamName[] = ['posLogit', 'attn', 'U1', 'ub1', 'U2', 'ub2'];
const ITEM_PARAMS: ParamName[] = ['I1', 'ib1', 'I2', 'ib2', 'bw'];

function digest(parts: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex').slice(0, 16);
}

function memoryState(m: ArtifactMemory): TransitionState {
  const s = m.memory.servingState(m.maxNeighbours ?? 100);
  return m.memoryWeights === 'float32' ? s : halfWeights(s);
}

/** Builds the artifact of a trained model (its current weights); the index, when built, is the slow part (seconds at 100k). */
export function buildArtifact(
  model: TwoTowerModel,
  precision: VectorPrecision = 'int8',
  meta: ArtifactBuildMeta = {},
  memory?: ArtifactMemory,
  o: ArtifactBuildOptions = {},
): ArtifactTree {
  const cat = model.catalog;
  const n = cat.size;
  const cfg = model.cfg;
  const d = cfg.dim;
  const D = d + 1;
  const vectors = o.vectors ? o.vectors.subarray(0, n * D) : model.itemVectors();
  if (vectors.length !== n * D) throw new RangeError(`item vectors hold ${vectors.length / D} rows, the catalog ${n}`);
  const inputs = new Float32Array(n * d);
  const hasIdRow = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    model.itemInput(i, inputs, i * d);
    hasIdRow[i] = model.item.peek(cat.idKeys[i]) >= 0 ? 1 : 0;
  }
  const dense: ArtifactTree['dense'] = {};
  for (const name of [...USER_PARAMS, ...ITEM_PARAMS, ...(cfg.imageDim > 0 ? (['imgProj'] as ParamName[]) : [])]) {
    const p = model.dense.get(name);
    if (p) dense[name] = { shape: p.shape.slice(), value: p.value.slice() };
  }
  const tokens = model.token.state();
  const cs = model.ctx.state();
  const stored = VectorRows.encode(vectors, D, precision);
  const buildIndex = o.index !== false && (o.forceIndex || n >= INDEX_MIN_ITEMS) && n > 0;
  const modelVersion =
    meta.modelVersion ?? digest([stored.fp32 ?? (stored.codes as Int8Array), ...(stored.scales ? [stored.scales] : []), ...Object.values(dense).map((p) => p.value)]);
  return {
    meta: {
      kind: SERVING_ARTIFACT_KIND,
      schemaVersion: SERVING_SCHEMA_VERSION,
      modelVersion,
      parentVersion: meta.parentVersion ?? null,
      createdAt: meta.createdAt ?? new Date().toISOString(),
      cursor: meta.cursor ?? null,
      metrics: meta.metrics ?? {},
      precision,
      items: n,
    },
    config: { dim: d, hidden: cfg.hidden, cross: cfg.cross, historyLen: cfg.historyLen, useUserId: cfg.useUserId, imageDim: cfg.imageDim },
    itemIds: cat.ids.slice(),
    active: Uint8Array.from(cat.active, (a) => (a ? 1 : 0)),
    hasIdRow,
    idBias: model.idBiases(),
    vectors: stored,
    inputs: VectorRows.encode(inputs, d, precision),
    content: { keys: Int32Array.from(tokens.keys, (k) => k | 0), rows: VectorRows.encode(tokens.data, d, precision) },
    ctxKeys: Float64Array.from(cs.keys),
    ctxRows: cs.data,
    dense,
    ...(memory ? { memory: { ...memoryState(memory), beta: memory.beta } } : {}),
    ...(memory?.regression && (memory.regression.gamma !== 0 || (memory.byHistory?.gamma ?? []).some((g) => g !== 0))
      ? { regression: { ...memory.regression.table.servingState(memory.regression.maxNeighbours ?? 0), gamma: memory.regression.gamma } }
      : {}),
    ...(memory?.byHistory ? { mix: { bounds: memory.byHistory.bounds.slice(), beta: memory.byHistory.beta.slice(), gamma: memory.byHistory.gamma.slice() } } : {}),
    ...(buildIndex ? { index: buildCandidateIndex(vectors, D, n, o.index || {}) } : {}),
  };
}

/** The artifact's bytes (a checksummed bundle of the current schema: the wide halves packed). */
export function encodeArtifact(tree: ArtifactTree): Buffer {
  const { memory, regression, ...rest } = tree;
  return encodeBundle({
    ...rest,
    meta: { ...tree.meta, schemaVersion: SERVING_SCHEMA_VERSION },
    ...(memory ? { memory: { ...packPairs(memory), beta: memory.beta } } : {}),
    ...(regression ? { regression: { ...packPairs(regression), gamma: regression.gamma } } : {}),
  });
}

type StoredHalf<W> = (PackedPairs | TransitionState) & W;

function unpacked<W extends object>(s: StoredHalf<W> | undefined): (TransitionState & W) | undefined {
  if (!s || !isPacked(s)) return s as (TransitionState & W) | undefined;
  const { packed: _p, groups: _g, pairs: _n, varints: _v, weightHalf: _h, weight: _w, window: _win, ...extra } = s as PackedPairs & W;
  return { ...unpackPairs(s), ...(extra as W) };
}

/** Parses and checks an artifact: ChecksumError when damaged, ArtifactKindError / ArtifactSchemaError when not this format. */
export function decodeArtifact(buf: Buffer): ArtifactTree {
  const tree = decodeBundle<Partial<ArtifactTree>>(buf);
  const meta = (tree.meta ?? {}) as Partial<ArtifactMeta>;
  if (meta.kind !== SERVING_ARTIFACT_KIND) throw new ArtifactKindError(meta.kind);
  if (!READABLE_SCHEMA_VERSIONS.includes(meta.schemaVersion as number)) throw new ArtifactSchemaError(meta.schemaVersion);
  const stored = tree as Omit<ArtifactTree, 'memory' | 'regression'> & { memory?: StoredHalf<{ beta: number }>; regression?: StoredHalf<{ gamma: number }> };
  const memory = unpacked(stored.memory);
  const regression = unpacked(stored.regression);
  return { ...(stored as ArtifactTree), ...(memory ? { memory } : {}), ...(regression ? { regression } : {}) };
}
