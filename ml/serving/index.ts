/**
 * @recsys/ml-serving: what a scoring process needs and nothing more (no learner, no tfjs). Importing it loads only
 * the serving layer and the tfjs-free parts of the layers below it.
 */
export { ServingModel, type VectorPrecision, type ArtifactMeta, type UserContext, type ArtifactMemory } from './artifact';
export { ChecksumError } from '../core/bundle';
