/**
 * @recsys/ml-serving: what a scoring process needs and nothing more (no learner, no tfjs). Importing it loads only
 * the serving layer and the tfjs-free parts of the layers below it.
 */
export {
  ServingModel,
  DEFAULT_NPROBE,
  type UserContext,
  type RecommendOptions,
  type Recommendation,
  type HeldOutSample,
  type ServingEvaluation,
} from './serving-model';
export {
  decodeArtifact,
  type ArtifactTree,
  ArtifactKindError,
  ArtifactSchemaError,
  SERVING_ARTIFACT_KIND,
  SERVING_SCHEMA_VERSION,
  INDEX_MIN_ITEMS,
  type ArtifactMeta,
  type ArtifactBuildMeta,
  type ArtifactBuildOptions,
  type ArtifactMemory,
  type JsonValue,
} from './artifact';
export { type VectorPrecision } from './vector-rows';
export { type CandidateIndexOptions } from './candidate-index';
export { ChecksumError } from '../core/bundle';
export type { HeldOutMetrics } from '../core/ranking';
export { parseEventObject, fromStoredProduct } from '../core/events';
export type { ProductEvent, ProductContent, MlEvent, StoredProduct } from '../core/events';
