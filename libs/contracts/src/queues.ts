/** BullMQ queue names; each has exactly one processor (checked at the trainer's boot). */
export enum QueueName {
  Training = 'training',
}

/** Job names per queue. */
export enum JobName {
  IncrementalStep = 'incremental-step',
  FullRetrain = 'full-retrain',
}
