/**
 * `train` benchmark: examples/s of the student's incremental step (warm-started continual step on a fresh window of
 * samples, replay mixed in) on the synthetic shop, with and without teacher distillation, on each tfjs backend named
 * in one run: wasm and tensorflow (TensorFlow's native CPU backend, `npm run setup:tensorflow`) side by side, or only
 * ML_BACKEND's when it is set. A backend that cannot be set up is recorded with the reason and the others still run.
 */
import { selectBackend, type BackendName } from '../../ml/core/backend';
import { ContinualLearner, FeatureState, feedEvents, generateShop, shopEvents, type TrainExample } from '../../ml';

/** The backends measured when ML_BACKEND is not set. */
const DEFAULT_BACKENDS: BackendName[] = ['wasm', 'tensorflow'];

type Shop = ReturnType<typeof generateShop>;

/**
 * One backend's figures: the student's and the distilled step's examples/s (wall clock), and examples per CPU-second
 * (user + system time of the process, all threads): on a shared machine the second moves less with other load, but
 * credits a multi-threaded backend only for the work, not for the threads' overlap.
 */
async function measure(shop: Shop): Promise<Record<string, number>> {
  const events = shopEvents(shop);
  const cut = shop.products.length + Math.floor(shop.interactions.length * 0.5);
  const figures: Record<string, number> = {};
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
    let cpuSeconds = 0;
    for (let w = 0; w < windows; w++) {
      const chunk = rest.slice(w * per, (w + 1) * per);
      const samples: TrainExample[] = [];
      for (const e of chunk) {
        if (e.kind !== 'interaction') continue;
        samples.push(features.exampleFor(e));
        features.apply(e);
      }
      const before = learner.trainedExamples;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const r = learner.step(samples);
      seconds += Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      cpuSeconds += (c.user + c.system) / 1e6;
      examples += learner.trainedExamples - before;
      if (!r.accepted) throw new Error('bench step rejected');
    }
    figures[distill ? 'distilledStepExamplesPerSecond' : 'studentStepExamplesPerSecond'] = Math.round(examples / seconds);
    figures[distill ? 'distilledStepExamplesPerCpuSecond' : 'studentStepExamplesPerCpuSecond'] = Math.round(examples / cpuSeconds);
    figures[distill ? 'distilledExamples' : 'studentExamples'] = examples;
  }
  return figures;
}

export async function run(): Promise<Record<string, unknown>> {
  const only = process.env.ML_BACKEND as BackendName | undefined;
  const names = only ? [only] : DEFAULT_BACKENDS;
  const shop = generateShop({ seed: 1, categories: 40, itemsPerCategory: 250, users: 3000, clicksPerUser: 20 });
  const byBackend: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    const choice = await selectBackend(name);
    if (name !== 'auto' && choice.name !== name) {
      // fell back (e.g. the native addon is not built): not a measurement of the backend asked for
      byBackend[name] = { error: `not set up: ${choice.reasons[name] ?? 'unknown'}` };
      continue;
    }
    byBackend[choice.name] = {
      threads: choice.threads ?? 'TensorFlow default (one per core)',
      ...(choice.tensorflowVersion ? { tensorflow: choice.tensorflowVersion } : {}),
      ...(await measure(shop)),
    };
  }
  const measured = Object.entries(byBackend).filter(([, f]) => !('error' in f));
  if (measured.length === 0) throw new Error(`no backend could be measured: ${JSON.stringify(byBackend)}`);
  const side = (key: string): string => measured.map(([n, f]) => `${n} ${String(f[key])}`).join(' | ');
  return {
    items: shop.products.length,
    backends: byBackend,
    studentStepExamplesPerSecond: side('studentStepExamplesPerSecond'),
    distilledStepExamplesPerSecond: side('distilledStepExamplesPerSecond'),
    studentStepExamplesPerCpuSecond: side('studentStepExamplesPerCpuSecond'),
    distilledStepExamplesPerCpuSecond: side('distilledStepExamplesPerCpuSecond'),
    target: '>= 10000 examples/s (student incremental step)',
  };
}
