/**
 * The towers' dense weights with their Adam optimiser, the snapshot a training step rolls back to, and their state.
 */
import { Rng } from '../core/rng';
import type { TowerConfig } from './config';
import type { ParamName } from './forward';

/** One dense weight: its values and Adam's first (m) and second (v) moment estimates, all of the same length. */
export interface DenseParam {
  shape: number[];
  value: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** Serialised dense weights by name (copies; see `DenseParams.state`). */
export type DenseState = Record<string, DenseParam>;

const ADAM_B1 = 0.9;
const ADAM_B2 = 0.999;
const ADAM_EPS = 1e-8;

function copyParam(p: DenseParam): DenseParam {
  return { shape: p.shape.slice(), value: p.value.slice(), m: p.m.slice(), v: p.v.slice() };
}

/**
 * The dense weights of both towers (attention position logits and vector, image projection, the user and item MLPs,
 * the content-bias vector), trained by Adam (beta1 0.9, beta2 0.999, epsilon 1e-8, bias-corrected step size).
 */
export class DenseParams {
  /** The weights by name, in the order they were initialised (state() keeps it). */
  readonly map = new Map<ParamName, DenseParam>();
  /** Adam steps taken (its bias correction). */
  steps = 0;
  private snapshot: Map<ParamName, Float32Array[]> | null = null;
  private stepsSnapshot = 0;

  /**
   * Initialises the weights from `cfg.seed`: position logits decaying with recency (-0.15 k), a zero attention vector,
   * He-scaled first MLP layers, near-zero (0.01) second layers so each tower starts close to its residual input,
   * zero biases, and an image projection scaled 1/(4 sqrt(imageDim)) (zero without images).
   */
  constructor(private readonly cfg: Pick<TowerConfig, 'dim' | 'hidden' | 'historyLen' | 'imageDim' | 'cross' | 'seed' | 'denseLr'>) {
    const rng = new Rng(cfg.seed);
    const d = cfg.dim;
    const h = cfg.hidden;
    const zin = (cfg.cross ? 3 : 2) * d;
    const init = (shape: number[], scale: number, fill?: (i: number) => number): DenseParam => {
      const n = shape.reduce((a, b) => a * b, 1);
      const value = new Float32Array(n);
      for (let i = 0; i < n; i++) value[i] = fill ? fill(i) : rng.normal() * scale;
      return { shape, value, m: new Float32Array(n), v: new Float32Array(n) };
    };
    // the order matters: the weights draw from one seeded generator
    this.map.set('posLogit', init([cfg.historyLen], 0, (k) => -0.15 * k));
    this.map.set('attn', init([d], 0, () => 0));
    this.map.set('imgProj', init([Math.max(cfg.imageDim, 1), d], cfg.imageDim > 0 ? 1 / Math.sqrt(cfg.imageDim) / 4 : 0));
    this.map.set('U1', init([zin, h], Math.sqrt(2 / zin)));
    this.map.set('ub1', init([h], 0));
    this.map.set('U2', init([h, d], 0.01));
    this.map.set('ub2', init([d], 0));
    this.map.set('I1', init([d, h], Math.sqrt(2 / d)));
    this.map.set('ib1', init([h], 0));
    this.map.set('I2', init([h, d], 0.01));
    this.map.set('ib2', init([d], 0));
    this.map.set('bw', init([d], 0));
  }

  /** The values of one weight (live, not a copy). */
  value(name: ParamName): Float32Array {
    return (this.map.get(name) as DenseParam).value;
  }

  /** One Adam step with these gradients, at `cfg.denseLr * lrScale` (default scale 1). */
  apply(grads: ReadonlyMap<ParamName, Float32Array>, lrScale = 1): void {
    const t = ++this.steps;
    const lr = (this.cfg.denseLr * lrScale * Math.sqrt(1 - Math.pow(ADAM_B2, t))) / (1 - Math.pow(ADAM_B1, t));
    for (const [name, g] of grads) {
      const p = this.map.get(name) as DenseParam;
      for (let i = 0; i < g.length; i++) {
        p.m[i] = ADAM_B1 * p.m[i] + (1 - ADAM_B1) * g[i];
        p.v[i] = ADAM_B2 * p.v[i] + (1 - ADAM_B2) * g[i] * g[i];
        p.value[i] -= (lr * p.m[i]) / (Math.sqrt(p.v[i]) + ADAM_EPS);
      }
    }
  }

  /** True when every weight is finite. */
  allFinite(): boolean {
    for (const p of this.map.values()) for (let i = 0; i < p.value.length; i++) if (!Number.isFinite(p.value[i])) return false;
    return true;
  }

  /** Snapshots the weights, Adam's moments and step count, for rollback(). */
  begin(): void {
    this.snapshot = new Map();
    for (const [n, p] of this.map) this.snapshot.set(n, [p.value.slice(), p.m.slice(), p.v.slice()]);
    this.stepsSnapshot = this.steps;
  }

  /** Keeps the changes since begin(). */
  commit(): void {
    this.snapshot = null;
  }

  /** Restores what begin() saw (nothing when begin() was not called). */
  rollback(): void {
    if (this.snapshot) {
      for (const [n, [v, m, vv]] of this.snapshot) {
        const p = this.map.get(n) as DenseParam;
        p.value.set(v);
        p.m.set(m);
        p.v.set(vv);
      }
      this.steps = this.stepsSnapshot;
    }
    this.snapshot = null;
  }

  /** A copy of every weight with its moments. */
  state(): DenseState {
    const out: DenseState = {};
    for (const [n, p] of this.map) out[n] = copyParam(p);
    return out;
  }

  /** Replaces the weights named in `s` (copies) and the step count. */
  load(s: DenseState, steps: number): void {
    for (const [n, p] of Object.entries(s)) this.map.set(n as ParamName, copyParam(p));
    this.steps = steps;
  }
}
