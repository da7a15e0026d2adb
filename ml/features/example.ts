/** The training example of a positive: the user's features just before it and the item it went to. */
export interface TrainExample {
  /** Recent positive item indices, most recent first. */
  hist: Int32Array;
  target: number;
  ctxKeys: number[];
  /** Importance weight (1 unless the sample was chosen by active learning). */
  weight: number;
}
