/**
 * `model` benchmark: serving-artifact bytes for a 100k-item catalog (int8 and fp32 item vectors), and fp32 vs int8
 * HR@10 of the student. HR uses MovieLens-small by path (../shared/data/movielens-small from the repo root; never copied)
 * under the prequential protocol with weekly steps and every 5th eligible positive scored; without that folder it falls
 * back to the synthetic shop and says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import { selectBackend, type BackendName } from '../../ml/core/backend';
import {
  ContinualLearner,
  FeatureState,
  ServingModel,
  convertMovieLens,
  feedEvents,
  generateShop,
  parseEventLine,
  runEval,
  shopEvents,
  sortEvents,
  type MlEvent,
} from '../../ml';

const MOVIELENS = path.resolve(__dirname, '../../../shared/data/movielens-small');

function artifactBytes(): Record<string, number> {
  const shop = generateShop({ seed: 3, categories: 100, itemsPerCategory: 1000, users: 500, clicksPerUser: 20 });
  const features = new FeatureState();
  const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 3 });
  feedEvents(features, [learner], shopEvents(shop), 1e15);
  const int8 = ServingModel.fromModel(learner.student, 'int8').save().length;
  const fp32 = ServingModel.fromModel(learner.student, 'fp32').save().length;
  const withMemory = ServingModel.fromModel(learner.student, 'int8', {}, { memory: learner.memory, beta: learner.mixer.beta }).save().length;
  return {
    catalogItems: features.catalog.size,
    artifactBytesInt8: int8,
    artifactBytesFp32: fp32,
    artifactBytesInt8WithMemory: withMemory,
    memoryPairs: learner.memory.pairs,
    clicks: shop.interactions.length,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const backend = await selectBackend((process.env.ML_BACKEND as BackendName | undefined) ?? 'auto');
  const figures: Record<string, unknown> = { backend: backend.name, ...artifactBytes(), artifactLimitBytes: 10 * 1024 * 1024 };
  let events: MlEvent[];
  if (fs.existsSync(path.join(MOVIELENS, 'ratings.csv'))) {
    const parsed: MlEvent[] = [];
    convertMovieLens(MOVIELENS, (line) => {
      const e = parseEventLine(line);
      if (e) parsed.push(e);
    });
    events = sortEvents(parsed);
    figures.data = `movielens-small (${MOVIELENS})`;
  } else {
    events = shopEvents(generateShop({ seed: 9, categories: 20, itemsPerCategory: 100, users: 1000, clicksPerUser: 30 }));
    figures.data = `synthetic shop (fallback: ${MOVIELENS} not found)`;
  }
  const report = await runEval(events, { stepHours: 24 * 7, compareBudget: 0, withTeacher: false, withStatic: false, sampleEvery: 5, progress: false, log: () => undefined });
  const cmp = report.comparisons as Record<string, { hr: number; ndcg: number }>;
  figures.hr10Fp32 = cmp.fp32?.hr;
  figures.hr10Int8 = cmp.int8?.hr;
  figures.int8OverFp32 = cmp.fp32?.hr ? cmp.int8.hr / cmp.fp32.hr : null;
  figures.hr10Knn = report.results.knn.hr;
  figures.evaluated = report.evaluated;
  figures.protocol = 'prequential, step every 168 h, every 5th eligible positive scored';
  return figures;
}
