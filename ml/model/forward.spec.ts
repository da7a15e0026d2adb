/**
 * Parity of the towers' two forwards: the typed-array one (forward.ts: userVector, itemVectorsJs, what serving and
 * recommend run) and the tfjs one the gradients come from (scoresFor, and itemVectors on a bulk set, which runs the item
 * tower as tfjs matMuls). Both compute in fp32, so they agree to rounding: within 1e-4 relative.
 */
import { selectBackend } from '../core/backend';
import { generateShop, shopEvents } from '../sim/shop';
import { FeatureState } from '../features/state';
import type { TrainExample } from '../features/example';
import { ContinualLearner } from '../train/learner';
import { feedEvents } from '../train/feed';
import { itemTowerForward } from './forward';
import { TFJS_ITEM_VECTORS_FROM, type TwoTowerModel } from './two-tower';

const HOUR = 3600_000;
const REL = 1e-4;

interface Trained {
  features: FeatureState;
  student: TwoTowerModel;
  teacher: TwoTowerModel;
  /** Examples from events the models have not learned from. */
  heldOut: TrainExample[];
}

function train(imageDim: number): Trained {
  // 8 x 80 = 640 products: a bulk set for itemVectors
  const shop = generateShop({ seed: 21, categories: 8, itemsPerCategory: 80, users: 200, clicksPerUser: 16, imageDim });
  const features = new FeatureState(imageDim);
  const learner = new ContinualLearner(features.catalog, { seed: 21, imageDim, teacher: {}, teacherEvery: 1 });
  const events = shopEvents(shop);
  const cut = Math.floor(events.length * 0.9);
  feedEvents(features, [learner], events.slice(0, cut), 6 * HOUR);
  const heldOut: TrainExample[] = [];
  for (const e of events.slice(cut)) {
    if (e.kind === 'interaction' && heldOut.length < 48) heldOut.push(features.exampleFor(e));
    features.apply(e);
  }
  return { features, student: learner.student, teacher: learner.teacher as TwoTowerModel, heldOut };
}

/** Largest |a - b| / max(1, |b|): relative for values of magnitude 1 and more, absolute below. */
function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/** Typed-array scores [u, 1] . [v, bias] of each example against each candidate (B x M). */
function typedArrayScores(model: TwoTowerModel, batch: readonly TrainExample[], cand: Int32Array): Float32Array {
  const w = model.vectorDim;
  const V = model.itemVectorsJs(cand);
  const S = new Float32Array(batch.length * cand.length);
  batch.forEach((ex, b) => {
    const u = model.userVector(ex.hist, ex.ctxKeys);
    for (let c = 0; c < cand.length; c++) {
      let s = 0;
      for (let j = 0; j < w; j++) s += u[j] * V[c * w + j];
      S[b * cand.length + c] = s;
    }
  });
  return S;
}

function checkScores(model: TwoTowerModel, t: Trained): void {
  const n = t.features.catalog.size;
  const cand = Int32Array.from({ length: 64 }, (_, c) => (c * 37) % n);
  const tf = model.scoresFor(t.heldOut, cand);
  const ta = typedArrayScores(model, t.heldOut, cand);
  expect(maxRelError(ta, tf)).toBeLessThan(REL);
  // a trained model's scores spread: the comparison is not between two near-constant arrays
  expect(Math.max(...tf) - Math.min(...tf)).toBeGreaterThan(0.5);
}

function checkItemVectors(model: TwoTowerModel, t: Trained): void {
  const n = t.features.catalog.size;
  expect(n).toBeGreaterThanOrEqual(TFJS_ITEM_VECTORS_FROM);
  const bulk = model.itemVectors();
  const typed = model.itemVectorsJs();
  expect(maxRelError(typed, bulk)).toBeLessThan(REL);
  // one item at a time (what serving runs for a new product) gives the batched typed-array vector exactly
  const d = model.cfg.dim;
  const x = new Float32Array(d);
  const one = new Float32Array(d + 1);
  for (const i of [0, 1, 7, n - 1]) {
    model.itemInput(i, x, 0);
    const br = model.bias.row(t.features.catalog.idKeys[i]);
    itemTowerForward(model.cfg, (name) => model.param(name), x, 0, br >= 0 ? model.bias.data[br] : 0, one, 0);
    expect(Array.from(one)).toEqual(Array.from(typed.subarray(i * (d + 1), (i + 1) * (d + 1))));
  }
}

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe.each([
  ['without image vectors', 0],
  ['with image vectors', 8],
])('the typed-array forward matches the tfjs forward on a trained shop model %s', (_name, imageDim) => {
  let t: Trained;
  beforeAll(() => {
    t = train(imageDim);
  });

  it('scores of held-out users against sampled items, student and teacher (cross features, longer history)', () => {
    checkScores(t.student, t);
    checkScores(t.teacher, t);
  });

  it('item vectors of the whole catalog against the bulk tfjs item tower, and one item at a time', () => {
    checkItemVectors(t.student, t);
    checkItemVectors(t.teacher, t);
  });

  it('bulk item vectors of a subset in any order, new products without id or content rows at the end included', () => {
    const catalog = t.features.catalog;
    for (let k = 0; k < 3; k++) {
      t.features.apply({ kind: 'product', eventId: `p-new-${k}`, type: 'product_upsert', itemId: `new-${k}`, ts: 0, title: `unseenword${k}`, category: [`unseencat${k}`], brand: `unseenbrand${k}`, price: 1e6 + k, ...(imageDim > 0 ? { imageEmbedding: new Array(imageDim).fill(0.5 - k) } : {}) });
      const idx = catalog.index.get(`new-${k}`) as number;
      t.student.observeContent(idx);
      t.teacher.observeContent(idx);
    }
    const n = catalog.size;
    // a permutation of most of the catalog, the new products first and last
    const items = [n - 1, ...Array.from({ length: n - 4 }, (_, i) => (i * 389) % (n - 3)), n - 3, n - 2];
    expect(new Set(items).size).toBe(items.length);
    expect(items.length).toBeGreaterThanOrEqual(TFJS_ITEM_VECTORS_FROM);
    for (const model of [t.student, t.teacher]) {
      expect(model.item.peek(catalog.idKeys[n - 1])).toBe(-1);
      const bulk = model.itemVectors(items);
      expect(maxRelError(model.itemVectorsJs(items), bulk)).toBeLessThan(REL);
      const whole = model.itemVectors();
      const w = model.vectorDim;
      items.forEach((idx, at) => expect(maxRelError(bulk.subarray(at * w, (at + 1) * w), whole.subarray(idx * w, (idx + 1) * w))).toBeLessThan(REL));
    }
  });
  it('whole-catalog vectors stay right as the weights, the rows and the content change (the row lists are kept between calls)', () => {
    const catalog = t.features.catalog;
    const model = t.student;
    const check = () => expect(maxRelError(model.itemVectorsJs(), model.itemVectors())).toBeLessThan(REL);
    check();
    // the weights change, the rows do not: the kept lists, the bias values read afresh
    const before = model.itemVectors().slice();
    model.dense.get('I1')?.value.fill(0.01);
    const bias = model.bias.row(catalog.idKeys[3]);
    expect(bias).toBeGreaterThanOrEqual(0);
    model.bias.data[bias] += 5;
    check();
    expect(maxRelError(model.itemVectors(), before)).toBeGreaterThan(0.01);
    // an item's content changes (observeContent): its lists are rebuilt
    const id = catalog.ids[5];
    t.features.apply({ kind: 'product', eventId: 'p-again', type: 'product_upsert', itemId: id, ts: 0, title: 'unseenword9', category: ['unseencat9'], brand: 'unseenbrand9', price: 3, ...(imageDim > 0 ? { imageEmbedding: new Array(imageDim).fill(-0.25) } : {}) });
    model.observeContent(5);
    check();
    // a new id row (a positive past the frequency filter on a new product, which has none)
    t.features.apply({ kind: 'product', eventId: 'p-row', type: 'product_upsert', itemId: 'new-row', ts: 0, title: 'unseenword8', brand: 'unseenbrand8', price: 4 });
    const fresh = catalog.index.get('new-row') as number;
    model.observeContent(fresh);
    check();
    expect(model.item.peek(catalog.idKeys[fresh])).toBe(-1);
    for (let k = 0; k < model.cfg.itemMinCount + 1; k++) model.observePositive(fresh);
    expect(model.item.peek(catalog.idKeys[fresh])).toBeGreaterThanOrEqual(0);
    check();
  });
});
