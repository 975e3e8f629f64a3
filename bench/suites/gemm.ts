/**
 * GEMM throughput on the product that dominates a MinAtar Breakout DQN update (batch 32, flattened
 * conv features 1024, hidden 128), in the three layouts the dense layer uses:
 *   nn  C (32×1024) = G (32×128) · W (128×1024)        (input gradient)
 *   nt  C (32×128)  = X (32×1024) · Wᵀ, W 128×1024     (forward)
 *   tn  C (128×1024) = Gᵀ · X, G 32×128, X 32×1024     (weight gradient)
 * Keys gemm_<layout>_<kernel>_gflops, with kernel f64 / f32 (the public entry points at that
 * precision), js (the scalar kernel, `setGemmBackend('js')`: the in-run baseline), and for nt also
 * f64_packed (the packed 4×4 f64x2 kernel the NT layout used before the dot kernel); ratios
 * gemm_<layout>_f32_over_f64 and gemm_<layout>_f64_over_js. GFLOP/s = 2·M·N·K per CPU-second.
 */
import { gemmNN, gemmNT, gemmTN, setGemmBackend, type MatmulPrecision } from "../../src/factor/index.js";
import { wasmGemm } from "../../src/factor/wasm-gemm.js";
import { Rng } from "../../src/random/rng.js";

export const name = "gemm";

const SECONDS = Number(process.env.BENCH_GEMM_SECONDS ?? 0.25);

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Median over 5 rounds of calls per CPU-second. */
function callsPerSecond(step: () => void): number {
  for (let i = 0; i < 10; i++) step();
  const rates: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = cpuSeconds();
    let t = t0;
    while (t - t0 < SECONDS / 5) {
      step();
      n++;
      t = cpuSeconds();
    }
    rates.push(n / (t - t0));
  }
  rates.sort((a, b) => a - b);
  return rates[2];
}

export function run(): Promise<Record<string, number>> {
  const rng = new Rng(11);
  const [batch, features, hidden] = [32, 1024, 128];
  const flops = 2 * batch * features * hidden;
  const X = rng.fillNormal(new Float64Array(batch * features));
  const W = rng.fillNormal(new Float64Array(hidden * features));
  const G = rng.fillNormal(new Float64Array(batch * hidden));
  const out: Record<string, number> = {};
  const Cnn = new Float64Array(batch * features);
  const Cnt = new Float64Array(batch * hidden);
  const Ctn = new Float64Array(hidden * features);
  const layouts: Record<string, (p: MatmulPrecision) => void> = {
    nn: (p) => gemmNN(batch, features, hidden, G, 0, hidden, W, 0, features, Cnn, 0, features, false, p),
    nt: (p) => gemmNT(batch, hidden, features, X, 0, features, W, 0, features, Cnt, 0, hidden, false, p),
    tn: (p) => gemmTN(hidden, features, batch, G, 0, hidden, X, 0, features, Ctn, 0, features, true, p),
  };
  for (const [layout, product] of Object.entries(layouts)) {
    const f64 = (flops * callsPerSecond(() => product("f64"))) / 1e9;
    const f32 = (flops * callsPerSecond(() => product("f32"))) / 1e9;
    const previous = setGemmBackend("js");
    const js = (flops * callsPerSecond(() => product("f64"))) / 1e9;
    setGemmBackend(previous);
    out[`gemm_${layout}_f64_gflops`] = f64;
    out[`gemm_${layout}_f32_gflops`] = f32;
    out[`gemm_${layout}_js_gflops`] = js;
    out[`gemm_${layout}_f32_over_f64`] = f32 / f64;
    out[`gemm_${layout}_f64_over_js`] = f64 / js;
  }
  out.gemm_nt_f64_packed_gflops =
    (flops *
      callsPerSecond(() =>
        wasmGemm(batch, hidden, features, X, 0, features, 1, W, 0, 1, features, Cnt, 0, hidden, false),
      )) /
    1e9;
  return Promise.resolve(out);
}
