import { selectBackend } from '../core/backend';
import { generateShop, shopEvents, driftClicks, type Shop } from '../sim/shop';
import { FeatureState } from '../features/state';
import { contextKeys } from '../features/context';
import { ContinualLearner } from '../train/learner';
import { feedEvents } from '../train/feed';
import { quantizeInt8, topK, topKInt8 } from '../core/vectors';
import { saveCheckpoint, loadCheckpoint } from './checkpoint';

const HOUR = 3600_000;

function setup(seed = 42, teacher = false): { shop: Shop; features: FeatureState; learner: ContinualLearner } {
  const shop = generateShop({ seed, categories: 6, itemsPerCategory: 20, users: 120, clicksPerUser: 16 });
  const features = new FeatureState();
  const learner = new ContinualLearner(features.catalog, { teacher: teacher ? {} : false, seed, minStepExamples: 256 });
  feedEvents(features, [learner], shopEvents(shop), 6 * HOUR);
  return { shop, features, learner };
}

function recommend(features: FeatureState, learner: ContinualLearner, userId: string, k = 10): string[] {
  const { vectors, dim } = learner.itemVectors();
  const u = learner.student.userVector(features.recentFirst(userId), contextKeys(0, undefined));
  const exclude = features.users.get(userId)?.positives ?? new Set<number>();
  return topK(u, vectors, dim, { k, exclude }).map((s) => features.catalog.ids[s.index]);
}

function shareIn(shop: Shop, ids: string[], category: number): number {
  return ids.filter((id) => shop.categoryOf.get(id) === category).length / Math.max(1, ids.length);
}

let base: ReturnType<typeof setup>;

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
  base = setup();
});

describe('two-tower student on the synthetic shop', () => {
  it('learns a planted preference', () => {
    const { shop, features, learner } = base;
    let share = 0;
    const users = Array.from(shop.preference.keys()).slice(0, 60);
    for (const u of users) share += shareIn(shop, recommend(features, learner, u), shop.preference.get(u) as number);
    // 6 categories: chance is about 1/6
    expect(share / users.length).toBeGreaterThan(0.6);
  });

  it('adapts to a drifted preference within two steps', () => {
    const { shop, features, learner } = setup(7);
    const C = shop.categoryNames.length;
    const users = Array.from(shop.preference.keys()).slice(0, 40);
    const target = (u: string) => ((shop.preference.get(u) as number) + 3) % C;
    const last = Math.max(...shop.interactions.map((e) => e.ts));
    const drift = driftClicks(shop, users, target, 8, last + 10 * HOUR);
    const half = Math.floor(drift.length / 2);
    const r = feedEvents(features, [learner], drift.slice(0, half), 1e15, true);
    const r2 = feedEvents(features, [learner], drift.slice(half), 1e15, true);
    expect(r.steps + r2.steps).toBe(2);
    let newShare = 0;
    let oldShare = 0;
    for (const u of users) {
      const recs = recommend(features, learner, u);
      newShare += shareIn(shop, recs, target(u));
      oldShare += shareIn(shop, recs, shop.preference.get(u) as number);
    }
    expect(newShare / users.length).toBeGreaterThan(0.5);
    expect(newShare).toBeGreaterThan(oldShare);
  });

  it('ranks a new item with a look-alike title near its look-alikes before any click', () => {
    const { shop, features, learner } = base;
    const cat = 2;
    const p = shop.lookAlike('sku-new', cat, Date.now());
    features.apply(p);
    const idx = features.catalog.index.get('sku-new') as number;
    learner.addProduct(idx);
    const { vectors, dim } = learner.itemVectors();
    const d = dim - 1;
    const v = vectors.subarray(idx * dim, idx * dim + d);
    // nearest catalog items to the new item's vector (content only: it has no id row)
    const query = new Float32Array(dim);
    query.set(v);
    const near = topK(query, vectors, dim, { k: 10, exclude: new Set([idx]) }).map((s) => features.catalog.ids[s.index]);
    expect(shareIn(shop, near, cat)).toBeGreaterThanOrEqual(0.7);
    // and for users who like that category it ranks among the category's items, ahead of most others
    const fans = Array.from(shop.preference.entries()).filter(([, c]) => c === cat).map(([u]) => u).slice(0, 10);
    let ranks = 0;
    for (const u of fans) {
      const all = recommend(features, learner, u, features.catalog.size);
      ranks += all.indexOf('sku-new') / all.length;
    }
    expect(ranks / fans.length).toBeLessThan(0.35);
  });

  it('places a new item known only by its image vector among the items whose images look alike', () => {
    const imageDim = 16;
    const shop = generateShop({ seed: 5, categories: 6, itemsPerCategory: 20, users: 120, clicksPerUser: 16, imageDim });
    const features = new FeatureState(imageDim);
    const learner = new ContinualLearner(features.catalog, { teacher: false, seed: 5, minStepExamples: 256, imageDim });
    feedEvents(features, [learner], shopEvents(shop), 6 * HOUR);
    // the learned projection carries the category signal of the image vectors
    const P = learner.student.param('imgProj');
    expect(P.length).toBe(imageDim * learner.student.cfg.dim);
    const cat = 4;
    const members = shop.products.filter((p) => shop.categoryOf.get(p.itemId) === cat);
    const image = Array.from({ length: imageDim }, (_, j) => members.reduce((a, p) => a + (p.imageEmbedding as number[])[j], 0) / members.length);
    // a title, brand and price that no product shares: only the image can place it
    features.apply({ kind: 'product', type: 'product_upsert', eventId: 'p-img', itemId: 'sku-img', ts: Date.now(), title: 'zqxv', brand: 'nobrand', imageEmbedding: image });
    const idx = features.catalog.index.get('sku-img') as number;
    learner.addProduct(idx);
    const { vectors, dim } = learner.itemVectors();
    const query = new Float32Array(dim);
    query.set(vectors.subarray(idx * dim, idx * dim + dim - 1));
    const near = topK(query, vectors, dim, { k: 10, exclude: new Set([idx]) }).map((s) => features.catalog.ids[s.index]);
    expect(shareIn(shop, near, cat)).toBeGreaterThanOrEqual(0.7);
    // without its image vector the same product has no signal to be placed by
    features.apply({ kind: 'product', type: 'product_upsert', eventId: 'p-img2', itemId: 'sku-img', ts: Date.now() + 1, title: 'zqxv', brand: 'nobrand' });
    learner.addProduct(idx);
    const blind = learner.itemVectors();
    const q2 = new Float32Array(dim);
    q2.set(blind.vectors.subarray(idx * dim, idx * dim + dim - 1));
    const near2 = topK(q2, blind.vectors, dim, { k: 10, exclude: new Set([idx]) }).map((s) => features.catalog.ids[s.index]);
    expect(shareIn(shop, near2, cat)).toBeLessThan(0.5);
  });

  it('ranks alike with int8 and fp32 item vectors', () => {
    const { shop, features, learner } = base;
    const { vectors, dim } = learner.itemVectors();
    const q = quantizeInt8(vectors, dim);
    let overlap = 0;
    const users = Array.from(shop.preference.keys()).slice(0, 50);
    for (const u of users) {
      const uv = learner.student.userVector(features.recentFirst(u), contextKeys(0, undefined));
      const a = topK(uv, vectors, dim, { k: 10 }).map((s) => s.index);
      const b = new Set(topKInt8(uv, q, { k: 10 }).map((s) => s.index));
      overlap += a.filter((i) => b.has(i)).length / 10;
    }
    expect(overlap / users.length).toBeGreaterThanOrEqual(0.9);
  });

  it('round-trips a checkpoint exactly', () => {
    const { features, learner } = base;
    const buf = saveCheckpoint(learner.student);
    const restored = loadCheckpoint(buf);
    expect(Array.from(restored.itemVectors())).toEqual(Array.from(learner.student.itemVectors()));
    const hist = features.recentFirst('u-3');
    const ctx = contextKeys(0, undefined);
    expect(Array.from(restored.userVector(hist, ctx))).toEqual(Array.from(learner.student.userVector(hist, ctx)));
    expect(saveCheckpoint(restored).equals(buf)).toBe(true);
  });

  it('rejects a step that yields non-finite weights and keeps the previous weights', () => {
    const { shop, features, learner } = setup(11);
    const before = learner.student.itemVectors().slice();
    // first-time samples (the towers do not train on repeats): each user's history now, with an item new to them
    const n = features.catalog.size;
    const ex = shop.interactions.slice(0, 50).map((e) => {
      const s = features.exampleFor(e);
      let target = s.target;
      while (s.hist.includes(target)) target = (target + 1) % n;
      return { ...s, target };
    });
    const report = learner.step(ex, 1e40);
    expect(report.accepted).toBe(false);
    expect(report.reason).toMatch(/non-finite/);
    expect(Array.from(learner.student.itemVectors())).toEqual(Array.from(before));
    const ok = learner.step(ex);
    expect(ok.accepted).toBe(true);
  });

  it('matches the tfjs item tower with the typed-array item tower', () => {
    const { features, learner } = base;
    const items = Array.from({ length: features.catalog.size }, (_, i) => i);
    const a = learner.student.itemVectors(items);
    const b = learner.student.itemVectorsJs(items);
    for (let i = 0; i < a.length; i += 7) expect(a[i]).toBeCloseTo(b[i], 4);
  });
});
