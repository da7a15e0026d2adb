import { historyBucket, MemoryMixer, MIX_BETAS, MIX_BUCKET_MIN_SAMPLES, MIX_GAMMAS, TransitionMemory } from './transitions';

describe('transition memory', () => {
  it('weights a successor by how recent the earlier positive was (1/k) and scores users from their recent positives', () => {
    const m = new TransitionMemory(3);
    m.learn([0], 1); // 0 -> 1 (k = 1)
    m.learn([1, 0], 2); // 1 -> 2 (1), 0 -> 2 (1/2)
    m.learn([2, 1, 0, 5], 3); // 2 -> 3 (1), 1 -> 3 (1/2), 0 -> 3 (1/3); 5 is beyond the window
    expect(m.score([0], 1)).toBe(1);
    expect(m.score([0], 2)).toBe(0.5);
    expect(m.score([5], 3)).toBe(0);
    // a user whose recent positives are [1, 0]: m(3) = 1/2 (from 1) + (1/2) * (1/3) (from 0, second most recent)
    expect(m.score([1, 0], 3)).toBeCloseTo(0.5 + 1 / 6, 12);
    const seen = new Map<number, number>();
    m.forEach([1, 0], (x, s) => seen.set(x, s));
    expect(seen.get(3)).toBeCloseTo(m.score([1, 0], 3), 12);
    expect(seen.get(2)).toBeCloseTo(m.score([1, 0], 2), 12);
    const scores = new Float32Array(6);
    m.boost([1, 0], 2, scores);
    expect(scores[3]).toBeCloseTo(2 * Math.log1p(m.score([1, 0], 3)), 6);
    expect(scores[4]).toBe(0);
  });

  it('counts the reverse direction at its own weight when asked, and keeps that weight through its state', () => {
    const m = new TransitionMemory(3, 200, 0.5);
    m.learn([1, 0], 2); // 1 -> 2 (1), 0 -> 2 (1/2); reverse: 2 -> 1 (0.5), 2 -> 0 (0.25)
    expect(m.score([1], 2)).toBe(1);
    expect(m.score([2], 1)).toBe(0.5);
    expect(m.score([2], 0)).toBe(0.25);
    expect(m.pairs).toBe(4);
    const back = TransitionMemory.fromState(m.state());
    expect(back.reverse).toBe(0.5);
    back.learn([2], 1); // 2 -> 1 (1) on top of the reverse 0.5
    expect(back.score([2], 1)).toBe(1.5);
    expect(back.score([1], 2)).toBe(1.5);
    const forward = new TransitionMemory(3);
    forward.learn([1, 0], 2);
    expect(forward.score([2], 1)).toBe(0);
  });

  it('discounts popular candidates by their positive count, in learning state and folded into a serving state', () => {
    const m = new TransitionMemory(1, 200, 0, 0.5);
    for (let i = 0; i < 4; i++) m.learn([0], 1); // 0 -> 1 four times; n_1 = 4
    for (let i = 0; i < 12; i++) m.learn([5], 1); // n_1 = 16
    m.learn([0], 2); // 0 -> 2 once; n_2 = 1
    // raw weights 4 and 1; discounted by 16^-0.5 and 1^-0.5: 1 and 1
    expect(m.score([0], 1)).toBeCloseTo(1, 12);
    expect(m.score([0], 2)).toBeCloseTo(1, 12);
    const seen = new Map<number, number>();
    m.forEach([0], (x, v) => seen.set(x, v));
    expect(seen.get(1)).toBeCloseTo(1, 12);
    // the learning state keeps raw weights and counts, so learning goes on where it stopped
    const back = TransitionMemory.fromState(m.state());
    back.learn([0], 2); // 0 -> 2 twice now; n_2 = 2
    expect(back.score([0], 2)).toBeCloseTo(2 / Math.sqrt(2), 12);
    // the serving state folds the discount into the weights and carries no counts
    const served = m.servingState(1);
    expect(served.popularity).toBe(0);
    expect(served.counts).toBeUndefined();
    const s = TransitionMemory.fromState(served);
    expect(s.score([5], 1)).toBeCloseTo(m.score([5], 1), 6);
    expect(s.score([0], 1) + s.score([0], 2)).toBeCloseTo(1, 6); // one of the two tied successors kept
  });

  it("round-trips its state, and a capped state keeps each item's strongest successors", () => {
    const m = new TransitionMemory(10);
    for (let i = 0; i < 5; i++) m.learn([0], 1);
    for (let i = 0; i < 3; i++) m.learn([0], 2);
    m.learn([0], 3);
    const back = TransitionMemory.fromState(m.state());
    for (const x of [1, 2, 3]) expect(back.score([0], x)).toBe(m.score([0], x));
    const capped = TransitionMemory.fromState(m.servingState(2));
    expect(capped.score([0], 1)).toBe(5);
    expect(capped.score([0], 2)).toBe(3);
    expect(capped.score([0], 3)).toBe(0);
  });

  it("keeps each item's successor list bounded, holding on to the strongest successors", () => {
    const m = new TransitionMemory(1, 4);
    for (let r = 0; r < 10; r++) m.learn([0], 1);
    for (let r = 0; r < 5; r++) m.learn([0], 2);
    for (let x = 3; x < 40; x++) m.learn([0], x);
    let listed = 0;
    m.forEach([0], () => listed++);
    expect(listed).toBeLessThan(8);
    expect(m.pairs).toBe(listed);
    expect(m.score([0], 1)).toBe(10);
    expect(m.score([0], 2)).toBe(5);
  });

  it('mixes the memory in when it predicts held-out positives, and leaves it out when it does not', () => {
    const n = 200;
    const allowed = new Array<boolean>(n).fill(true);
    // memory that knows every transition i -> i + 1; two-tower scores that are noise
    const memory = new TransitionMemory(1);
    for (let i = 0; i + 1 < n; i++) for (let r = 0; r < 3; r++) memory.learn([i], i + 1);
    const useful = new MemoryMixer(0);
    let seed = 1;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    for (let t = 0; t < 100; t++) {
      const p = t % (n - 1);
      useful.observe(Float32Array.from({ length: n }, noise), [p], p + 1, memory, null, allowed);
    }
    expect(useful.beta).toBeGreaterThan(0);
    // the two-tower ranks the target first, the memory points elsewhere
    const misleading = new MemoryMixer(MIX_BETAS[MIX_BETAS.length - 1]);
    for (let t = 0; t < 100; t++) {
      const p = t % (n - 3);
      const dots = Float32Array.from({ length: n }, noise);
      dots[p + 2] = 5;
      misleading.observe(dots, [p], p + 2, memory, null, allowed);
    }
    expect(misleading.beta).toBe(0);
  });

  it('weighs each history bucket by its own samples: the memory for the users it helps, not for the others', () => {
    const n = 300;
    const allowed = new Array<boolean>(n).fill(true);
    // memory that knows every transition i -> i + 1
    const memory = new TransitionMemory(1);
    for (let i = 0; i + 1 < n; i++) for (let r = 0; r < 3; r++) memory.learn([i], i + 1);
    let seed = 5;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const mixer = new MemoryMixer(1);
    // a long history (30 items, bucket 20..49): the memory predicts the target; a short one (2 items): the two-tower
    // ranks the target first and the memory points elsewhere
    const long = (p: number) => [p, ...Array.from({ length: 29 }, (_, k) => (p + 100 + k) % n)];
    for (let t = 0; t < 2 * MIX_BUCKET_MIN_SAMPLES; t++) {
      const p = t % (n - 3);
      mixer.observe(Float32Array.from({ length: n }, noise), long(p), p + 1, memory, null, allowed);
      const dots = Float32Array.from({ length: n }, noise);
      dots[p + 2] = 5;
      mixer.observe(dots, [p, (p + 150) % n], p + 2, memory, null, allowed);
    }
    expect(historyBucket(2)).toBe(0);
    expect(historyBucket(30)).toBe(2);
    expect(mixer.weightsFor(30)[0]).toBeGreaterThan(0);
    expect(mixer.weightsFor(2)[0]).toBe(0);
    // a bucket that has ranked too few samples gets the weights chosen over all
    expect(mixer.weightsFor(7)).toEqual([mixer.beta, mixer.gamma]);
    expect(mixer.weights().bucketBeta).toEqual([0, mixer.beta, mixer.weightsFor(30)[0], mixer.beta]);
    // the buckets go through a state, and a state before them starts them afresh
    const again = MemoryMixer.fromState(mixer.state());
    for (const h of [2, 7, 30, 50]) expect(again.weightsFor(h)).toEqual(mixer.weightsFor(h));
    const { bucketGain: _g, bucketSamples: _s, bucketBeta: _b, bucketGamma: _c, ...before } = mixer.state();
    const old = MemoryMixer.fromState(before);
    for (const h of [2, 7, 30, 50]) expect(old.weightsFor(h)).toEqual([mixer.beta, mixer.gamma]);
  });

  it('reads the state of an earlier, smaller grid by value: each pair it had keeps its gain, a pair beyond it starts from the nearest', () => {
    // 9 betas x 10 gammas, gain = 100 * b + g
    const old = Float64Array.from({ length: 90 }, (_, c) => 100 * Math.floor(c / 10) + (c % 10));
    const m = MemoryMixer.fromState({ beta: 2, gamma: 8, gain: old, samples: 40, decay: 0.998, k: 10 });
    const NG = MIX_GAMMAS.length;
    const at = (beta: number, gamma: number) => m.state().gain[MIX_BETAS.indexOf(beta as never) * NG + MIX_GAMMAS.indexOf(gamma as never)];
    expect(at(2, 8)).toBe(100 * 4 + 4);
    expect(at(32, 256)).toBe(100 * 8 + 9);
    expect(at(256, 4096)).toBe(100 * 8 + 9);
    expect(at(0.25, 2048)).toBe(100 * 1 + 9);
    expect([m.beta, m.gamma, m.samples]).toEqual([2, 8, 40]);
    // a mixer before the regression term: 9 betas, gamma 0 alone
    const first = MemoryMixer.fromState({ beta: 1, gain: Float64Array.from({ length: 9 }, (_, b) => b + 1), samples: 25, decay: 0.998, k: 10 });
    const g = first.state().gain;
    expect(g[MIX_BETAS.indexOf(32) * NG + MIX_GAMMAS.indexOf(1024)]).toBe(9);
    expect(g[MIX_BETAS.indexOf(256) * NG]).toBe(9);
    expect(g[MIX_BETAS.indexOf(0.5) * NG + 3]).toBe(3);
    expect(first.gamma).toBe(0);
  });

  it("gains each weight pair exactly the target's NDCG@k under that pair's scores (a brute-force ranking of the catalog)", () => {
    const n = 400;
    let seed = 3;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const memory = new TransitionMemory(5);
    for (let t = 0; t < 3000; t++) {
      const p = Math.floor(rnd() * 40);
      memory.learn([p, (p + 7) % n], Math.floor(rnd() * 60));
    }
    // a linear term reaching 80 items of the catalog
    const w = Float64Array.from({ length: n }, (_, x) => (x < 80 ? rnd() * 0.05 : 0));
    const regression = {
      score: (_h: ArrayLike<number>, x: number) => w[x],
      forEach: (_h: ArrayLike<number>, fn: (x: number, r: number) => void) => w.forEach((r, x) => r > 0 && fn(x, r)),
    };
    const allowed = Array.from({ length: n }, (_, x) => x % 13 !== 5);
    const seen = { hits: 0, misses: 0 };
    for (let trial = 0; trial < 30; trial++) {
      const hist = [Math.floor(rnd() * 40), Math.floor(rnd() * 40)];
      const target = Math.floor(rnd() * 60);
      const dots = Float32Array.from({ length: n }, () => rnd() * 4 - 2);
      const exclude = new Set(hist);
      const mixer = new MemoryMixer(1, 0.998, 10);
      mixer.observe(dots, hist, target, memory, exclude, allowed, regression);
      const gain = mixer.state().gain;
      const score = (x: number, beta: number, gamma: number) => dots[x] + beta * Math.log1p(memory.score(hist, x)) + gamma * w[x];
      MIX_BETAS.forEach((beta, b) =>
        MIX_GAMMAS.forEach((gamma, g) => {
          const st = score(target, beta, gamma);
          let higher = 0;
          for (let x = 0; x < n; x++) if (x !== target && allowed[x] && !exclude.has(x) && score(x, beta, gamma) > st) higher++;
          expect(gain[b * MIX_GAMMAS.length + g]).toBeCloseTo(higher < 10 ? 1 / Math.log2(higher + 2) : 0, 12);
          seen[higher < 10 ? 'hits' : 'misses']++;
        }),
      );
    }
    // both outcomes were checked, hits at several ranks
    expect(seen.hits).toBeGreaterThan(100);
    expect(seen.misses).toBeGreaterThan(100);
  });
});
