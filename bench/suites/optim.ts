/**
 * Optimizer step throughput on the parameter shapes of MinAtar's dense DQN (conv 16×4×3×3,
 * hidden 1024→128, head 128→6: 132 566 parameters), the per-frame optimizer cost of
 * `npm run bench -- --only dqn`. Every measured step first writes fresh gradients (as a backward
 * pass would; the same copy in every variant), so rates compare like with like.
 *
 * Keys (steps per CPU second; *_ratio = the first over the second, measured in the same run):
 *   optim_rmsprop_centered_{js,wasm}_steps_per_s, optim_rmsprop_centered_wasm_vs_js_ratio
 *   optim_adam_{js,wasm}_steps_per_s, optim_adam_wasm_vs_js_ratio
 *   optim_rmsprop_centered_wasm_fused_zero_steps_per_s: with `zeroGradAfterStep` instead of a
 *     separate zeroGrads pass before the backward; optim_fused_zero_vs_separate_ratio
 *   optim_rmsprop_centered_wasm_ns_per_parameter: CPU ns per parameter of the wasm step alone
 *     (gradient copy subtracted).
 * `BENCH_OPTIM_SECONDS` (default 0.5) sets the time per measurement.
 */
import { Adam } from "../../src/optim/adam.js";
import type { Optimizer } from "../../src/optim/optimizer.js";
import { makeParameter, zeroGrads, type Parameter } from "../../src/optim/parameter.js";
import { RmsProp, type UpdateBackend } from "../../src/optim/rmsprop.js";
import { Rng } from "../../src/random/rng.js";

export const name = "optim";

const SECONDS = Number(process.env.BENCH_OPTIM_SECONDS ?? 0.5);
const SHAPES: Record<string, number[]> = {
  "conv.weight": [16, 4, 3, 3],
  "conv.bias": [16],
  "hidden.weight": [128, 1024],
  "hidden.bias": [128],
  "head.weight": [6, 128],
  "head.bias": [6],
};

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Gradient sets cycled through (a constant gradient drives centered RMSProp's s − ḡ² to 0: subnormals). */
const GRADIENT_SETS = 4;

function makeParams(): { params: Parameter[]; grads: Float64Array[][] } {
  const rng = new Rng(7);
  const params = Object.entries(SHAPES).map(([n, shape]) => makeParameter(n, shape));
  for (const p of params) rng.fillNormal(p.data, 0, 0.05);
  const grads = Array.from({ length: GRADIENT_SETS }, () =>
    params.map((p) => rng.fillNormal(new Float64Array(p.data.length), 0, 1e-3)),
  );
  return { params, grads };
}

/** Calls per CPU second of `fn` (after a warm-up). */
function rate(fn: () => void): number {
  for (let i = 0; i < 30; i++) fn();
  const t0 = cpuMicros();
  let calls = 0;
  for (;;) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
    const dt = cpuMicros() - t0;
    if (dt >= SECONDS * 1e6) return (calls / dt) * 1e6;
  }
}

function stepRate(make: (params: Parameter[]) => Optimizer, separateZero: boolean): number {
  const { params, grads } = makeParams();
  const opt = make(params);
  let k = 0;
  return rate(() => {
    if (separateZero) zeroGrads(params);
    const g = grads[k++ % GRADIENT_SETS];
    for (let q = 0; q < params.length; q++) params[q].grad.set(g[q]);
    opt.step();
  });
}

export async function run(): Promise<Record<string, number>> {
  const rms =
    (backend: UpdateBackend, zeroGradAfterStep = false) =>
    (params: Parameter[]) =>
      new RmsProp(params, { lr: 2.5e-4, alpha: 0.95, eps: 0.01, centered: true, backend, zeroGradAfterStep });
  const adam = (backend: UpdateBackend) => (params: Parameter[]) => new Adam(params, { lr: 1e-4, backend });
  const out: Record<string, number> = {};
  out.optim_rmsprop_centered_js_steps_per_s = stepRate(rms("js"), true);
  out.optim_rmsprop_centered_wasm_steps_per_s = stepRate(rms("wasm"), true);
  out.optim_rmsprop_centered_wasm_vs_js_ratio =
    out.optim_rmsprop_centered_wasm_steps_per_s / out.optim_rmsprop_centered_js_steps_per_s;
  out.optim_rmsprop_centered_wasm_fused_zero_steps_per_s = stepRate(rms("wasm", true), false);
  out.optim_fused_zero_vs_separate_ratio =
    out.optim_rmsprop_centered_wasm_fused_zero_steps_per_s / out.optim_rmsprop_centered_wasm_steps_per_s;
  out.optim_adam_js_steps_per_s = stepRate(adam("js"), true);
  out.optim_adam_wasm_steps_per_s = stepRate(adam("wasm"), true);
  out.optim_adam_wasm_vs_js_ratio = out.optim_adam_wasm_steps_per_s / out.optim_adam_js_steps_per_s;
  const { params, grads } = makeParams();
  let k = 0;
  const copyOnly = rate(() => {
    const g = grads[k++ % GRADIENT_SETS];
    for (let q = 0; q < params.length; q++) params[q].grad.set(g[q]);
  });
  const total = params.reduce((n, p) => n + p.data.length, 0);
  const wasmFused = out.optim_rmsprop_centered_wasm_fused_zero_steps_per_s;
  out.optim_rmsprop_centered_wasm_ns_per_parameter = ((1 / wasmFused - 1 / copyOnly) * 1e9) / total;
  return out;
}
