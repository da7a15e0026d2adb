/** Hyper-parameters of a two-tower model (the student and, larger, the teacher). */
export interface TowerConfig {
  /** Embedding / output width. */
  dim: number;
  /** Hidden width of the residual MLP in each tower. */
  hidden: number;
  /** Number of recent positive items the user tower attends over. */
  historyLen: number;
  /** Width of the optional precomputed image vector (IMAGE_EMBEDDING_DIM); 0 disables it. */
  imageDim: number;
  /** Adds the pooled-history x context feature cross to the user tower (teacher). */
  cross: boolean;
  /** Adds a hashed user-id embedding to the context. */
  useUserId: boolean;
  itemCapacity: number;
  tokenCapacity: number;
  contextCapacity: number;
  /** Item-id rows are created after this many positives; tokens after this many products carry them. */
  itemMinCount: number;
  tokenMinCount: number;
  sparseLr: number;
  /** Row-wise optimizer of the embedding tables. */
  sparseOptimizer: 'adagrad' | 'adam';
  denseLr: number;
  /** Popularity-sampled negatives shared by a batch (plus in-batch negatives). */
  negatives: number;
  /** In-batch negatives come from chunks of this many examples. */
  chunk: number;
  batchSize: number;
  /** Weight of the distillation loss against the teacher's scores. */
  distillAlpha: number;
  distillTemperature: number;
  seed: number;
}

export const STUDENT_DEFAULTS: TowerConfig = {
  dim: 64,
  hidden: 64,
  historyLen: 20,
  imageDim: 0,
  cross: false,
  useUserId: false,
  itemCapacity: 1_000_000,
  tokenCapacity: 1_000_000,
  contextCapacity: 200_000,
  itemMinCount: 1,
  tokenMinCount: 2,
  sparseLr: 0.15,
  sparseOptimizer: 'adagrad',
  denseLr: 0.003,
  negatives: 128,
  chunk: 128,
  batchSize: 512,
  distillAlpha: 0.5,
  distillTemperature: 2,
  seed: 7,
};

export const TEACHER_DEFAULTS: TowerConfig = {
  ...STUDENT_DEFAULTS,
  dim: 64,
  hidden: 128,
  historyLen: 30,
  cross: true,
  distillAlpha: 0,
  seed: 11,
};

export function studentConfig(overrides: Partial<TowerConfig> = {}): TowerConfig {
  return { ...STUDENT_DEFAULTS, ...overrides };
}

export function teacherConfig(overrides: Partial<TowerConfig> = {}): TowerConfig {
  return { ...TEACHER_DEFAULTS, ...overrides };
}
