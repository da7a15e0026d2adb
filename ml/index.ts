/** @recsys/ml: the learning core (plain TypeScript; runnable from the CLI, tests, the trainer and the scoring API). */
export { selectBackend, currentBackend, BACKEND_NAMES, WASM_THREADS_DEFAULT, type BackendName, type BackendChoice, type BackendOptions } from './core/backend';
export {
  parseEventLine,
  parseEventObject,
  parseJsonl,
  sortEvents,
  isPositive,
  type MlEvent,
  type InteractionEvent,
  type ProductEvent,
  type ProductContent,
  type InteractionType,
  type ParsedEvents,
  type ContextValue,
  fromStoredInteraction,
  fromStoredProduct,
  type StoredInteraction,
  type StoredProduct,
  type StoredTimestamp,
} from './core/events';
export { ProgressBar } from './core/progress';
export { workerReply, type WorkerMessage } from './core/worker-reply';
export { rankOf, HeldOutAccumulator, type HeldOutMetrics, type RankOutcome } from './core/ranking';
export { Rng, hashString } from './core/rng';
export { SparseEmbeddingStore, type SparseStoreOptions, type SparseStoreState, type SparseOptimizer } from './sparse/store';
export { Catalog, contentKeys, tokenize, priceBucket, type CatalogState } from './features/catalog';
export { studentConfig, teacherConfig, STUDENT_DEFAULTS, TEACHER_DEFAULTS, type TowerConfig } from './model/config';
export { TwoTowerModel, type Distiller, type TwoTowerState } from './model/two-tower';
export { userTowerForward, itemTowerForward, itemTowerForwardBatch } from './model/forward';
export { ItemCooccurrence, type CooccurrenceOptions } from './model/item-cooccurrence';
export type { TrainExample } from './features/example';
export { TransitionMemory, MemoryMixer, MIX_BETAS, MIX_GAMMAS, type TransitionState, type MixerState } from './model/transitions';
export { ItemRegression, REGRESSION_DEFAULTS, type RegressionOptions, type RegressionState, type RegressionFit } from './model/item-regression';
export { saveCheckpoint, loadCheckpoint } from './model/checkpoint';
export { FeatureState, MAX_HISTORY, type UserState, type FeatureStateOptions, type FeatureStateState } from './features/state';
export { contextKeys } from './features/context';
export { feedEvents, type FeedResult } from './train/feed';
export {
  ContinualLearner,
  NegativeSampler,
  LEARNER_DEFAULTS,
  type LearnerOptions,
  type ResolvedLearnerOptions,
  type LearnerState,
  type StepReport,
  type StepOptions,
  type HeldOutSample as LearnerHeldOutSample,
} from './train/learner';
export {
  encodeLearnerCheckpoint,
  decodeLearnerCheckpoint,
  writeLearnerCheckpoint,
  readLearnerCheckpoint,
  CheckpointKindError,
  CheckpointSchemaError,
  LEARNER_CHECKPOINT_KIND,
  LEARNER_CHECKPOINT_SCHEMA_VERSION,
  type LearnerCheckpoint,
  type LearnerCheckpointOptions,
} from './train/learner-checkpoint';
export { ReplayReservoir, type ReservoirState } from './train/replay-reservoir';
export { packPairs, unpackPairs, halfWeights, packedBytes, type PackedPairs } from './serving/packed-pairs';
export { ItemVectorCache, type ItemVectors } from './train/item-vector-cache';
export { selectSamples, inclusionProbabilities, sampleSystematic, type SelectionMode, type Selection } from './train/active';
export { quantizeInt8, dequantizeInt8, topK, topKInt8, dotAll, dotAllInt8, topKOfScores, type QuantizedVectors, type Scored, type TopKOptions } from './core/vectors';
export {
  ServingModel,
  DEFAULT_NPROBE,
  ArtifactKindError,
  ArtifactSchemaError,
  SERVING_ARTIFACT_KIND,
  SERVING_SCHEMA_VERSION,
  INDEX_MIN_ITEMS,
  type VectorPrecision,
  type ArtifactMeta,
  type ArtifactBuildMeta,
  type ArtifactBuildOptions,
  type ArtifactMemory,
  type UserContext,
  type RecommendOptions,
  type Recommendation,
  type HeldOutSample,
  type ServingEvaluation,
  type CandidateIndexOptions,
  type JsonValue,
} from './serving';
export { encodeBundle, decodeBundle, bundleChecksum, ChecksumError } from './core/bundle';
export { runEval, type EvalOptions, type EvalReport, type Metric, type SystemQuery } from './eval/protocol';
export { PopularBaseline, CooccurBaseline, KnnBaseline } from './eval/baselines';
export { convertMovieLens } from './eval/convert';
export { generateShop, shopEvents, driftClicks, type Shop, type ShopOptions } from './sim/shop';
export { DemoShop, DEMO_CATEGORIES, examineProbability, type DemoShopOptions, type Shopper } from './sim/demo-shop';
