/**
 * The arithmetic floor of the tensor-low-rank pendulum's NN (tanh 3-64-1) and RBF (300 fixed
 * centres) models (docs/performance.md, "Arithmetic floor of the NN and RBF models"): one short
 * reference-protocol run per algorithm × model is instrumented to count the models' work per env
 * step — tanh and exp evaluations, the multiply-adds of the MLP (in cache) and over the RBF feature
 * matrix (streamed), batch evaluations per update — and that work is priced at primitive rates
 * measured in this process: ns per Math.tanh and per f64x2 tanh (src/wasm/tanh.ts, the same
 * bits), per Math.exp and per f64x2 exp (src/wasm/exp.ts, the same bits), and the f64x2 GEMV rate
 * in cache and streaming; each function is priced at the faster of its two. The floor is the time that work
 * costs at those rates, i.e. the best env steps per CPU-second any implementation computing the
 * same numbers with these primitives could reach; beside it, the achieved rate of an uninstrumented
 * run (tensor-pg's `stepsPerCpuSecond`). Work outside the models (the env, sampling, GAE, L-BFGS's
 * two-loop, TRPO's conjugate gradient over the sparse Jacobian rows) is not counted, so the floor
 * is an upper bound on the rate.
 */
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { RbfFeatures } from "../../src/parametrizations/rbf.js";
import { RBF_FORWARD_ROWS, RbfKernels } from "../../src/parametrizations/rbf-wasm.js";
import { WasmExp } from "../../src/wasm/exp.js";
import { Rng } from "../../src/random/rng.js";
import { WasmTanh } from "../../src/wasm/tanh.js";
import { REFERENCE_STEPS_PER_CPU_SECOND, stepsPerCpuSecond } from "./tensor-pg.js";

export const name = "tensor-pg-floor";

type Algo = "reinforce" | "ppo" | "trpo";
type Model = "nn" | "rbf";
const ALGOS: Algo[] = ["reinforce", "ppo", "trpo"];
const MODELS: Model[] = ["nn", "rbf"];
/** Episodes of the counted and of the timed run (two updates of the reference protocol). */
const EPISODES = 20;
const STEPS_PER_EPISODE = 1000;
const UPDATE_EVERY = 10_000;

/** Work counted over one run. */
interface Work {
  tanh: number;
  exp: number;
  /** Multiply-adds and other flops on data that stays in cache (the MLP's, φ's distances). */
  cacheFlops: number;
  /** Flops over the kept RBF feature matrix (each pass streams T×K doubles). */
  streamFlops: number;
  /** Batch evaluations (T > 1) of the actor and the critic. */
  actorBatches: number;
  criticBatches: number;
}

const zeroWork = (): Work => ({
  tanh: 0,
  exp: 0,
  cacheFlops: 0,
  streamFlops: 0,
  actorBatches: 0,
  criticBatches: 0,
});

interface Instrumented {
  activation: string;
  inputDim: number;
  hidden: number;
  features: number;
  outputDim: number;
  parameters: { name: string }[];
  batch: number;
}

/** Counts the models' work during `run` by wrapping their methods (restored afterwards). */
function countWork(run: () => void): Work {
  const w = zeroWork();
  const mlp = ScalarMlp.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const rbf = RbfFeatures.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const rbfKernels = RbfKernels.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved: [Record<string, (...a: unknown[]) => unknown>, string, (...a: unknown[]) => unknown][] = [];
  const wrap = (
    proto: Record<string, (...a: unknown[]) => unknown>,
    method: string,
    count: (self: Instrumented, args: unknown[]) => void,
  ) => {
    const original = proto[method];
    saved.push([proto, method, original]);
    proto[method] = function (this: Instrumented, ...args: unknown[]) {
      count(this, args);
      return original.apply(this, args);
    };
  };
  const isCritic = (self: Instrumented) => self.parameters[0].name.startsWith("value");
  const countBatch = (self: Instrumented, T: number) => {
    if (T <= 1) return;
    if (isCritic(self)) w.criticBatches++;
    else w.actorBatches++;
  };
  // tanh MLP, per state and unit: forward u = Σ_s W₁x + b₁ (2S + 1), tanh, y += w₂a (2);
  // backward ∇w₂ (2), δ = (g·w₂)(1 − a²) (4), ∇b₁ (1), ∇W₁ (2S)
  wrap(mlp, "forward", (self) => {
    if (self.activation !== "tanh") return;
    w.tanh += self.hidden;
    w.cacheFlops += self.hidden * (2 * self.inputDim + 3) + 1;
  });
  wrap(mlp, "forwardBatch", (self, args) => {
    if (self.activation !== "tanh") return;
    const T = args[1] as number;
    w.tanh += T * self.hidden;
    w.cacheFlops += T * (self.hidden * (2 * self.inputDim + 3) + 1);
    countBatch(self, T);
  });
  wrap(mlp, "backwardBatch", (self) => {
    if (self.activation !== "tanh") return;
    w.cacheFlops += self.batch * (self.hidden * (2 * self.inputDim + 7) + 1);
  });
  // RBF: φ_k(s) = exp(−γ‖s − c_k‖²) per state (3S + 1 flops and one exp per feature); z = Wφ + b
  // (2K + 1 per state) and ∇W += gφ (2K per state with g ≠ 0) over the kept φ; the sparse
  // Jacobian rows copy φ (0 + 1·φ, 2 per entry)
  const features = (self: Instrumented, states: number) => {
    w.exp += states * self.features;
    w.cacheFlops += states * self.features * (3 * self.inputDim + 1);
  };
  wrap(rbf, "featuresOf", (self) => features(self, 1));
  wrap(rbfKernels, "featuresOne", (self) => features(self, 1));
  wrap(rbfKernels, "featureRows", (self, args) => features(self, args[1] as number));
  wrap(rbf, "forwardOne", (self) => {
    w.cacheFlops += self.outputDim * (2 * self.features + 1);
  });
  wrap(rbf, "forwardBatch", (self, args) => {
    const T = args[1] as number;
    w.streamFlops += T * self.outputDim * (2 * self.features + 1);
    countBatch(self, T);
  });
  wrap(rbf, "backwardBatch", (self, args) => {
    const g = args[0] as Float64Array;
    let nonzero = 0;
    for (let i = 0; i < self.batch * self.outputDim; i++) if (g[i] !== 0) nonzero++;
    w.streamFlops += nonzero * (2 * self.features + 1);
  });
  wrap(rbf, "sparseJacobianRows", (self, args) => {
    const T = args[1] as number;
    w.streamFlops += T * 2 * self.features;
  });
  try {
    run();
  } finally {
    for (const [proto, method, original] of saved) proto[method] = original;
  }
  return w;
}

/** CPU nanoseconds per call of `fn` over `n` items, best of `rounds` after a warm-up. */
function nsPerItem(fn: () => void, n: number, rounds = 5): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    best = Math.min(best, ((d.user + d.system) * 1000) / n);
  }
  return best;
}

interface Primitives {
  mathTanhNs: number;
  simdTanhNs: number;
  mathExpNs: number;
  simdExpNs: number;
  gemvCacheGflops: number;
  gemvStreamGflops: number;
}

/** The primitive rates, measured here on the models' own sizes (K = 300, T = 10 000). */
function measurePrimitives(): Primitives {
  const rng = new Rng(1);
  const N = 1 << 17;
  // pre-activations and RBF exponents of the size the models meet
  const u = rng.fillNormal(new Float64Array(N));
  for (let i = 0; i < N; i++) u[i] *= 2;
  const e = new Float64Array(N);
  for (let i = 0; i < N; i++) e[i] = -Math.abs(u[i]) * 5;
  const y = new Float64Array(N);
  const mathTanhNs = nsPerItem(() => {
    for (let i = 0; i < N; i++) y[i] = Math.tanh(u[i]);
  }, N);
  const simd = WasmTanh.create();
  const padded = simd?.load(u, N) ?? 0;
  const simdTanhNs = simd === null ? Infinity : nsPerItem(() => simd.evaluate(padded), N);
  const mathExpNs = nsPerItem(() => {
    for (let i = 0; i < N; i++) y[i] = Math.exp(e[i]);
  }, N);
  const simdExp = WasmExp.create();
  const paddedExp = simdExp?.load(e, N) ?? 0;
  const simdExpNs = simdExp === null ? Infinity : nsPerItem(() => simdExp.evaluate(paddedExp), N);
  const K = 300;
  const gemv = (T: number, repeats: number): number => {
    const f = new RbfFeatures(3, { features: K }, "p");
    f.init(rng);
    const x = rng.fillNormal(new Float64Array(3 * T));
    const out = new Float64Array(T);
    f.forwardBatch(x, T, out);
    // the layer's forward over its kept φ (reused for equal states): the f64x2 GEMV where available
    const ns = nsPerItem(
      () => {
        for (let r = 0; r < repeats; r++) f.forwardBatch(x, T, out);
      },
      repeats * T * (2 * K + 1),
    );
    return 1 / ns;
  };
  const gemvCacheGflops = gemv(8 * RBF_FORWARD_ROWS, 2000);
  const gemvStreamGflops = gemv(10_000, 20);
  return { mathTanhNs, simdTanhNs, mathExpNs, simdExpNs, gemvCacheGflops, gemvStreamGflops };
}

export async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const p = measurePrimitives();
  const key = `${name}.primitive`;
  out[`${key}.math_tanh_ns`] = p.mathTanhNs;
  out[`${key}.f64x2_tanh_ns`] = p.simdTanhNs;
  out[`${key}.math_exp_ns`] = p.mathExpNs;
  out[`${key}.f64x2_exp_ns`] = p.simdExpNs;
  out[`${key}.gemv_cache_gflops`] = p.gemvCacheGflops;
  out[`${key}.gemv_stream_gflops`] = p.gemvStreamGflops;
  const tanhNs = Math.min(p.mathTanhNs, p.simdTanhNs);
  const expNs = Math.min(p.mathExpNs, p.simdExpNs);
  const steps = EPISODES * STEPS_PER_EPISODE;
  const updates = steps / UPDATE_EVERY;
  for (const algo of ALGOS)
    for (const model of MODELS) {
      const w = countWork(() => stepsPerCpuSecond(algo, model, 0, EPISODES));
      const achieved = stepsPerCpuSecond(algo, model, 0, EPISODES);
      const floorNs =
        (w.tanh * tanhNs +
          w.exp * expNs +
          w.cacheFlops / p.gemvCacheGflops +
          w.streamFlops / p.gemvStreamGflops) /
        steps;
      const k = `${name}.${algo}.${model}`;
      out[`${k}.tanh_per_step`] = w.tanh / steps;
      out[`${k}.exp_per_step`] = w.exp / steps;
      out[`${k}.cache_flops_per_step`] = w.cacheFlops / steps;
      out[`${k}.stream_flops_per_step`] = w.streamFlops / steps;
      out[`${k}.actor_batches_per_update`] = w.actorBatches / updates;
      out[`${k}.critic_batches_per_update`] = w.criticBatches / updates;
      out[`${k}.floor_ns_per_step`] = floorNs;
      out[`${k}.floor_steps_per_cpu_s`] = 1e9 / floorNs;
      out[`${k}.floor_x_ref_fast`] = 1e9 / floorNs / REFERENCE_STEPS_PER_CPU_SECOND.fast;
      out[`${k}.achieved_steps_per_cpu_s`] = achieved;
      out[`${k}.achieved_over_floor`] = (achieved * floorNs) / 1e9;
    }
  return out;
}
