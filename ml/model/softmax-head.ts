/**
 * The training loss head in typed arrays: sampled softmax over in-batch and popularity-sampled negatives, log-Q
 * corrected, with an optional distillation term, and its gradients in the scores and the candidates' biases.
 */

/** The scores and settings of one batch for `softmaxHead`. Example b's target is candidate b. */
export interface SoftmaxHeadInput {
  /** Importance weight per example (B of them); normalised inside to mean 1. */
  weights: ArrayLike<number>;
  /** Candidate item per column: the B examples' targets, then the N shared sampled negatives (M = B + N). */
  cand: Int32Array;
  /** In-batch negatives come from chunks of this many examples (the last chunk may be shorter). */
  chunk: number;
  /** Chunk-diagonal score blocks: Sin[k] is n_k x n_k, row r = example k * chunk + r against the chunk's targets. */
  Sin: Float32Array[];
  /** Scores of every example against the sampled negatives, B x N row-major. */
  Sneg: Float32Array;
  /** Content part of each candidate's bias (x . bw), M of them. */
  contentBias: ArrayLike<number>;
  /** Id-bias row value of each candidate (0 without a row), M of them. */
  idBias: ArrayLike<number>;
  /** log q of each candidate (its log-Q correction), M of them. */
  logq: ArrayLike<number>;
  /** The teacher's scores, B x M row-major, or null for no distillation term. */
  teacher: Float32Array | null;
  /** Weight of the distillation term (ignored without teacher scores). */
  alpha: number;
  /** Distillation temperature T. */
  temperature: number;
  /** Zeroed B x N buffers for Gneg and GnegT (reused by the caller across batches); fresh arrays when omitted. */
  alloc?: (n: number, which: 'Gneg' | 'GnegT') => Float32Array;
}

/** The loss and its gradients; G* are the gradients in the scores, multiplied by each example's normalised weight. */
export interface SoftmaxHeadResult {
  /** Summed weighted loss over the batch (cross-entropy plus the distillation term). */
  loss: number;
  /** Gradients in Sin's layout. */
  Gin: Float32Array[];
  /** Each Gin[k] transposed (row = target, column = example). */
  GinT: Float32Array[];
  /** Gradients in Sneg's layout (B x N). */
  Gneg: Float32Array;
  /** Gneg transposed (N x B). */
  GnegT: Float32Array;
  /** Gradient of each candidate's bias (the column sums of the score gradients), M of them. */
  gB: Float32Array;
}

/**
 * Sampled softmax over each example's candidates (its chunk's in-batch targets + the shared sampled negatives; a
 * candidate holding the example's own target item is left out, except the target's own column), every logit being
 * score + contentBias + idBias - logq, plus `alpha * T^2 * KL(teacher || student)` at temperature T over the same
 * candidates when teacher scores are given (the teacher's logits log-Q corrected too). Pure: reads its inputs only.
 */
export function softmaxHead(input: SoftmaxHeadInput): SoftmaxHeadResult {
  const { weights, cand, chunk: C, Sin, Sneg, contentBias: CB, idBias, logq, teacher: TS, alpha, temperature: T } = input;
  const alloc = input.alloc ?? ((n: number) => new Float32Array(n));
  const B = weights.length;
  const M = cand.length;
  const N = M - B;
  const bias = new Float64Array(M);
  for (let c = 0; c < M; c++) bias[c] = CB[c] + idBias[c] - logq[c];
  const Gin = Sin.map((x) => new Float32Array(x.length));
  const GinT = Sin.map((x) => new Float32Array(x.length));
  const Gneg = alloc(B * N, 'Gneg');
  const GnegT = alloc(N * B, 'GnegT');
  const gB = new Float32Array(M);
  let wsum = 0;
  for (let b = 0; b < B; b++) wsum += weights[b];
  // per-example weights normalised to mean 1: sparse rows see per-example-sized gradients (sum loss), Adam is scale-free
  wsum = Math.max(wsum, 1e-12) / B;
  let loss = 0;
  const cols = new Int32Array(C + N);
  const lg = new Float64Array(C + N);
  const tl = new Float64Array(C + N);
  const lgT = new Float64Array(C + N);
  for (let b = 0; b < B; b++) {
    const w = weights[b] / wsum;
    const tgt = cand[b];
    const chunkIdx = Math.floor(b / C);
    const c0 = chunkIdx * C;
    const c1 = Math.min(B, c0 + C);
    const n = c1 - c0;
    const sIn = Sin[chunkIdx];
    const r0 = (b - c0) * n;
    let nc = 0;
    for (let c = c0; c < c1; c++) if (c === b || cand[c] !== tgt) cols[nc++] = c;
    for (let c = B; c < M; c++) if (cand[c] !== tgt) cols[nc++] = c;
    const ro = b * M;
    let mx = -Infinity;
    let tmx = -Infinity;
    for (let i = 0; i < nc; i++) {
      const c = cols[i];
      const l = (c < B ? sIn[r0 + c - c0] : Sneg[b * N + c - B]) + bias[c];
      lg[i] = l;
      if (l > mx) mx = l;
      if (TS) {
        const t = TS[ro + c] - logq[c];
        tl[i] = t;
        if (t > tmx) tmx = t;
      }
    }
    let z = 0;
    let zT = 0;
    let zt = 0;
    for (let i = 0; i < nc; i++) {
      if (TS) {
        zT += lgT[i] = Math.exp((lg[i] - mx) / T);
        zt += tl[i] = Math.exp((tl[i] - tmx) / T);
      }
      z += lg[i] = Math.exp(lg[i] - mx);
    }
    for (let i = 0; i < nc; i++) {
      const c = cols[i];
      const p = lg[i] / z;
      let g = p;
      if (c === b) {
        g -= 1;
        loss += w * -Math.log(Math.max(p, 1e-30));
      }
      if (TS) {
        // alpha * T^2 * KL(teacher || student), both at temperature T; its gradient in the logit is alpha * T * (ps - pt)
        const ps = lgT[i] / zT;
        const pt = tl[i] / zt;
        g += alpha * T * (ps - pt);
        if (pt > 0) loss += w * alpha * T * T * pt * (Math.log(pt) - Math.log(Math.max(ps, 1e-30)));
      }
      g *= w;
      if (c < B) {
        Gin[chunkIdx][r0 + c - c0] = g;
        GinT[chunkIdx][(c - c0) * n + b - c0] = g;
      } else {
        Gneg[b * N + c - B] = g;
        GnegT[(c - B) * B + b] = g;
      }
      gB[c] += g;
    }
  }
  return { loss, Gin, GinT, Gneg, GnegT, gB };
}
