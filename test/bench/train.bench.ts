/**
 * `train` benchmark: examples/s of the student's incremental step (warm-started continual step on a fresh window of
 * samples, replay mixed in) on the synthetic shop, with the tfjs backend and its thread count named. With and without
 * teacher distillation.
 */
import { selectBackend, type BackendName } from '../../ml/core/backend';
import { ContinualLearner, FeatureState, feedEvents, generateShop, shopEvents, type TrainExample } from '../../ml';

export async function run(): Promise<Record<string, unknown>> {
  const backendEnv = process.env.ML_BACKEND as BackendName | undefined;
  const backend = await selectBackend(backendEnv ?? 'auto');
  const shop = generateShop({ seed: 1, categories: 40, itemsPerCategory: 250, users: 3000, clicksPerUser: 20 });
  const events = shopEvents(shop);
  const cut = shop.products.length + Math.floor(shop.interactions.length * 0.5);
  const figures: Record<string, unknown> = { backend: backend.name, backendThreads: backend.threads, items: shop.products.length };
  for (const distill of [false, true]) {
    const features = new FeatureState();
    const learner = new ContinualLearner(features.catalog, { teacher: distill ? {} : false, seed: 1 });
    // warm start: one pass over the first half (as if trained before), then time incremental steps on new windows
    feedEvents(features, [learner], events.slice(0, cut), 1e15);
    const rest = events.slice(cut);
    const windows = 6;
    const per = Math.ceil(rest.length / windows);
    let examples = 0;
    let seconds = 0;
    for (let w = 0; w < windows; w++) {
      const chunk = rest.slice(w * per, (w + 1) * per);
      const samples: TrainExample[] = [];
      for (const e of chunk) {
        if (e.kind !== 'interaction') continue;
        samples.push(features.exampleFor(e));
        features.apply(e);
      }
      const before = learner.trainedExamples;
      const t0 = process.hrtime.bigint();
      const r = learner.step(samples);
      seconds += Number(process.hrtime.bigint() - t0) / 1e9;
      examples += learner.trainedExamples - before;
      if (!r.accepted) throw new Error('bench step rejected');
    }
    figures[distill ? 'distilledStepExamplesPerSecond' : 'studentStepExamplesPerSecond'] = Math.round(examples / seconds);
    figures[distill ? 'distilledExamples' : 'studentExamples'] = examples;
  }
  figures.target = '>= 10000 examples/s (student incremental step)';
  return figures;
}
