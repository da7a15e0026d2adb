/**
 * @recsys/training-worker: the side of the training lib that runs inside the worker thread (and in benches and tests
 * of it): the stored-events reader and the run itself. It loads the learning core; `@recsys/training` does not.
 */
export * from './stored-events.reader';
export * from './training-run';
export * from './training-window';
