import type { Env, ResetOptions, ResetResult, StepResult } from "../../src/envs/env.js";
import { Box } from "../../src/envs/spaces.js";
import { Rng } from "../../src/random/rng.js";
import type { ActingPolicy } from "../../src/laser/evaluate.js";
import { evaluateReturns, makeEvaluationSeeds, type EvaluationMode } from "../../src/laser/evaluate.js";
import type { LaserSubject } from "../../src/laser/subject.js";
import { cloneStateDict, toDense, type NestedStateDict } from "../../src/laser/tensor.js";

/**
 * A small stochastic control task for the LASER tests: x ∈ ℝ², x' = 0.9·R(0.3)x + (0, 0.5)·a + 0.05·ε,
 * reward −‖x‖² − 0.01a², random start, 30-step time limit. Not a published env.
 */
export class ToyEnv implements Env<number[], number> {
  readonly id = "test/toy";
  readonly observationSpace = new Box([-Infinity, -Infinity, -Infinity], [Infinity, Infinity, Infinity]);
  readonly actionSpace = new Box([-5], [5]);
  readonly maxEpisodeSteps: number | undefined;
  private x = [0, 0];
  private t = 0;
  private rng = new Rng(0);

  /** `null`: no time limit. */
  constructor(maxEpisodeSteps: number | null = 30) {
    this.maxEpisodeSteps = maxEpisodeSteps ?? undefined;
  }
  private obs(): Float64Array {
    return Float64Array.of(this.x[0], this.x[1], this.x[0] * this.x[1]);
  }
  reset(options: ResetOptions = {}): ResetResult {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    this.x = [this.rng.uniformRange(-2, 2), this.rng.uniformRange(-2, 2)];
    this.t = 0;
    return { observation: this.obs(), info: {} };
  }
  step(action: number): StepResult {
    const a = Math.max(-5, Math.min(5, action));
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const [x0, x1] = this.x;
    this.x = [
      0.9 * (c * x0 - s * x1) + 0.05 * this.rng.normal(),
      0.9 * (s * x0 + c * x1) + 0.5 * a + 0.05 * this.rng.normal(),
    ];
    this.t++;
    const reward = -(this.x[0] ** 2 + this.x[1] ** 2) - 0.01 * a * a;
    const truncated = this.maxEpisodeSteps !== undefined && this.t >= this.maxEpisodeSteps;
    return { observation: this.obs(), reward, terminated: false, truncated, info: {} };
  }
  getState(): number[] {
    return [...this.x];
  }
  setState(state: number[]): void {
    this.x = [...state];
  }
}

/** Deterministic pseudo-random weights (a fixed generator, so tests are reproducible). */
function randomMatrix(rng: Rng, rows: number, cols: number, scale: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * rng.normal()));
}

/**
 * A toy policy state dict with every kind of weight matrix: two dense layers (`mu.0.weight` 8×3,
 * `mu.2.weight` 1×8), a low-rank pair `table.L` 4×2 / `table.R` 2×5 (X = L R), and a conv kernel
 * `conv.weight` (4, 2, 3, 3); biases and a log σ are not matrices.
 */
export function makeToyStateDict(seed = 1): NestedStateDict {
  const rng = new Rng(seed);
  return {
    "mu.0.weight": randomMatrix(rng, 8, 3, 0.8),
    "mu.0.bias": Array.from({ length: 8 }, () => 0.1 * rng.normal()),
    "mu.2.weight": randomMatrix(rng, 1, 8, 0.5),
    "mu.2.bias": [0.05],
    "table.L": randomMatrix(rng, 4, 2, 0.5),
    "table.R": randomMatrix(rng, 2, 5, 0.5),
    "conv.weight": Array.from({ length: 4 }, () =>
      Array.from({ length: 2 }, () => randomMatrix(rng, 3, 3, 0.3)),
    ),
    log_sigma: [Math.log(0.3)],
  };
}

/** Acting policy of the toy state dict: a = μ(s) (+ σ·ε when sampling). */
export class ToyPolicy implements ActingPolicy<number> {
  private w0!: Float64Array;
  private b0!: Float64Array;
  private w2!: Float64Array;
  private b2 = 0;
  private L!: Float64Array;
  private R!: Float64Array;
  private kernel!: Float64Array;
  private sigma = 1;

  constructor(dict: NestedStateDict) {
    this.load(dict);
  }
  load(dict: NestedStateDict): void {
    this.w0 = toDense(dict["mu.0.weight"]).data;
    this.b0 = toDense(dict["mu.0.bias"]).data;
    this.w2 = toDense(dict["mu.2.weight"]).data;
    this.b2 = toDense(dict["mu.2.bias"]).data[0];
    this.L = toDense(dict["table.L"]).data;
    this.R = toDense(dict["table.R"]).data;
    this.kernel = toDense(dict["conv.weight"]).data;
    this.sigma = Math.exp(toDense(dict.log_sigma).data[0]);
  }
  mean(s: Float64Array): number {
    let a = this.b2;
    for (let h = 0; h < 8; h++) {
      let z = this.b0[h];
      for (let j = 0; j < 3; j++) z += this.w0[h * 3 + j] * s[j];
      a += this.w2[h] * Math.max(z, 0);
    }
    // Table lookup X[row, col] with X = L R (rows from x0, cols from x1).
    const row = Math.min(3, Math.max(0, Math.floor(s[0] + 2)));
    const col = Math.min(4, Math.max(0, Math.floor(s[1] + 2.5)));
    a += this.L[row * 2] * this.R[col] + this.L[row * 2 + 1] * this.R[5 + col];
    // "Conv" term: each output channel's 18-tap filter applied to fixed features of s.
    for (let o = 0; o < 4; o++) {
      let z = 0;
      for (let i = 0; i < 18; i++) z += this.kernel[o * 18 + i] * Math.sin((i + 1) * 0.37 * s[i % 3]);
      a += 0.25 * Math.tanh(z);
    }
    return a;
  }
  actDeterministic(s: Float64Array): number {
    return this.mean(s);
  }
  act(s: Float64Array, rng: Rng): number {
    return this.mean(s) + this.sigma * rng.normal();
  }
}

/** A LaserSubject over the toy policy: it keeps its own deep copy of the weights, like a real agent. */
export class ToySubject implements LaserSubject {
  private dict: NestedStateDict;
  readonly policy: ToyPolicy;
  readonly env = new ToyEnv();
  evaluations = 0;
  constructor(
    dict: NestedStateDict,
    readonly mode: EvaluationMode = "deterministic",
    readonly episodeSeeds: readonly number[] = makeEvaluationSeeds(7, 24),
  ) {
    this.dict = cloneStateDict(dict);
    this.policy = new ToyPolicy(this.dict);
  }
  exportStateDict(): NestedStateDict {
    return cloneStateDict(this.dict);
  }
  importStateDict(dict: NestedStateDict): void {
    this.dict = cloneStateDict(dict);
    this.policy.load(this.dict);
  }
  evaluate(): Float64Array {
    this.evaluations++;
    return evaluateReturns(this.env, this.policy, { episodeSeeds: this.episodeSeeds, mode: this.mode });
  }
}
