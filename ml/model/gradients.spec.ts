/**
 * The training step's gradients are assembled by hand in several places (the loss head in typed arrays, the attention
 * ops' custom gradients, the bag transpose that spreads item gradients to content rows, the row buffers). These tests
 * check them all at once against central finite differences of the batch loss itself.
 */
import { selectBackend } from '../core/backend';
import { Rng } from '../core/rng';
import { generateShop, shopEvents } from '../sim/shop';
import { FeatureState } from '../features/state';
import { ContinualLearner } from '../train/learner';
import { feedEvents } from '../train/feed';
import type { Distiller, StoreName, TwoTowerModel } from './two-tower';
import type { TrainExample } from '../features/example';
import type { ParamName } from './forward';

const HOUR = 3600_000;

interface Case {
  model: TwoTowerModel;
  batch: TrainExample[];
  negs: Int32Array;
  negQ: Float64Array;
  distiller?: Distiller;
}

function setup(imageDim: number, distill: boolean): Case {
  const shop = generateShop({ seed: 9, categories: 4, itemsPerCategory: 15, users: 60, clicksPerUser: 14, imageDim });
  const features = new FeatureState(imageDim);
  const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 9, imageDim, memory: false, student: { chunk: 4 } });
  const events = shopEvents(shop);
  const cut = Math.floor(events.length * 0.8);
  // trained a little, so no weight sits at its initial value
  feedEvents(features, [learner], events.slice(0, cut), 6 * HOUR);
  const batch: TrainExample[] = [];
  for (const e of events.slice(cut)) {
    if (e.kind !== 'interaction') continue;
    batch.push({ ...features.exampleFor(e), weight: 0.5 + (batch.length % 3) * 0.5 });
    features.apply(e);
    if (batch.length === 10) break;
  }
  const rng = new Rng(3);
  const n = features.catalog.size;
  const negs = Int32Array.from({ length: 6 }, () => rng.int(n));
  const negQ = Float64Array.from({ length: 6 }, () => 0.02 + rng.next() * 0.1);
  const teacher = Float32Array.from({ length: batch.length * (batch.length + negs.length) }, () => rng.normal());
  const distiller: Distiller | undefined = distill ? { scoresFor: () => teacher } : undefined;
  return { model: learner.student, batch, negs, negQ, distiller };
}

/** Summed loss of the batch (batchGradients reports the mean). */
function lossOf(c: Case): number {
  return c.model.batchGradients(c.batch, c.negs, c.negQ, c.distiller).loss * c.batch.length;
}

/** Central difference of the summed loss in one weight (float32 weights, so a coarse step). */
function numeric(c: Case, values: Float32Array, i: number, eps = 2e-2): number {
  const v = values[i];
  values[i] = v + eps;
  const up = lossOf(c);
  values[i] = v - eps;
  const down = lossOf(c);
  values[i] = v;
  return (up - down) / (2 * eps);
}

function expectClose(analytic: number[], numerical: number[]): void {
  // compare as vectors: a relative error of the whole set, so a wrong sign or a missing term anywhere shows
  let num = 0;
  let den = 0;
  for (let i = 0; i < analytic.length; i++) {
    num += (analytic[i] - numerical[i]) ** 2;
    den += numerical[i] ** 2;
  }
  expect(den).toBeGreaterThan(1e-8);
  expect(Math.sqrt(num / den)).toBeLessThan(0.03);
}

function checkDense(c: Case, names: ParamName[]): void {
  const g = c.model.batchGradients(c.batch, c.negs, c.negQ, c.distiller);
  expect(g.finite).toBe(true);
  const analytic: number[] = [];
  const numerical: number[] = [];
  const grads = new Map(Array.from(g.dense, ([n, v]) => [n, v.slice()]));
  for (const name of names) {
    const values = c.model.param(name);
    const gv = grads.get(name) as Float32Array;
    // the largest gradients of each weight (small ones drown in float32 rounding of the loss)
    const order = Array.from(gv.keys()).sort((a, b) => Math.abs(gv[b]) - Math.abs(gv[a]));
    for (const i of order.slice(0, 3)) {
      analytic.push(gv[i]);
      numerical.push(numeric(c, values, i));
    }
  }
  expectClose(analytic, numerical);
}

function checkRows(c: Case, stores: StoreName[]): void {
  const g = c.model.batchGradients(c.batch, c.negs, c.negQ, c.distiller);
  const analytic: number[] = [];
  const numerical: number[] = [];
  for (const name of stores) {
    const rg = g.rows[name];
    const width = rg.width;
    const entries: { row: number; j: number; g: number }[] = [];
    for (let s = 0; s < rg.size; s++) for (let j = 0; j < width; j++) entries.push({ row: rg.rows[s], j, g: rg.data[s * width + j] });
    expect(entries.length).toBeGreaterThan(0);
    entries.sort((a, b) => Math.abs(b.g) - Math.abs(a.g));
    const data = c.model[name].data;
    for (const e of entries.slice(0, 6)) {
      analytic.push(e.g);
      numerical.push(numeric(c, data, e.row * width + e.j));
    }
  }
  expectClose(analytic, numerical);
}

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('training gradients match finite differences of the batch loss', () => {
  const dense: ParamName[] = ['posLogit', 'attn', 'U1', 'ub1', 'U2', 'ub2', 'I1', 'ib1', 'I2', 'ib2', 'bw'];

  it('for the dense weights of both towers', () => {
    checkDense(setup(0, false), dense);
  });

  it('for the id, content, context and bias rows of the sparse store', () => {
    checkRows(setup(0, false), ['item', 'token', 'ctx', 'bias']);
  });

  it('with the distillation term and image vectors', () => {
    const c = setup(8, true);
    checkDense(c, [...dense, 'imgProj']);
    checkRows(c, ['item', 'token']);
  });
});
