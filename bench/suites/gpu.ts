/**
 * The factor kernels on the gpu backend (gpu.js, best available mode: headlessgl with a GL device,
 * else webasm) against the cpu backend (float64 loops), per kernel and size, in one run:
 * recon (X = L Rᵀ), dense (L ← L − aGR, R ← R − aGᵀL with a dense n×m G) and sparse (entry
 * gradients of 64 (i, j, g) entries), n = m ∈ {100, 400, 1600}, K ∈ {1, 4, 16}.
 * Timings are per call through the FactorBackend interface, so they include the float64 → float32
 * upload and the readback; kernel compilation is excluded (one warm-up call per shape).
 * Keys: `gpu_<kernel>_n<n>_k<K>_{cpu_ms,gpu_ms,speedup}` with speedup = cpu_ms / gpu_ms (> 1: gpu faster),
 * and `gpu_mode_headlessgl` (1 when the GL device ran, 0 for webasm).
 */
import {
  createBackend,
  type BatchedEntries,
  type BatchedFactors,
  type FactorBackend,
} from "../../src/factor/backend/index.js";
import { Rng } from "../../src/random/rng.js";

export const name = "gpu";

const SIZES = [100, 400, 1600];
const RANKS = [1, 4, 16];
const SPARSE_ENTRIES = 64;
/** Time budget per (kernel, size, backend) cell. */
const BUDGET_MS = 150;

/** Median of per-call times over ≥ 3 calls within the budget, after one warm-up call. */
async function medianMs(call: () => Promise<unknown>): Promise<number> {
  await call();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < BUDGET_MS && times.length < 200)) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

export async function run(): Promise<Record<string, number>> {
  const cpu = await createBackend("cpu");
  const gpu = await createBackend("gpu", { mode: "auto" });
  const out: Record<string, number> = { gpu_mode_headlessgl: gpu.mode === "headlessgl" ? 1 : 0 };
  const rng = new Rng(5);
  try {
    for (const n of SIZES) {
      for (const K of RANKS) {
        const m = n;
        const L = rng.fillNormal(new Float64Array(n * K));
        const R = rng.fillNormal(new Float64Array(m * K));
        const f: BatchedFactors = { count: 1, rows: n, cols: m, rank: K, L, R };
        const G = rng.fillNormal(new Float64Array(n * m), 0, 1e-3);
        const e: BatchedEntries = {
          capacity: SPARSE_ENTRIES,
          rowIdx: Int32Array.from({ length: SPARSE_ENTRIES }, () => rng.integer(n)),
          colIdx: Int32Array.from({ length: SPARSE_ENTRIES }, () => rng.integer(m)),
          counts: Int32Array.of(SPARSE_ENTRIES),
        };
        const g = rng.fillNormal(new Float64Array(SPARSE_ENTRIES));
        const kernels: Record<string, (b: FactorBackend) => Promise<unknown>> = {
          recon: (b) => b.reconstruct(f),
          // Steps on a scratch copy so repeated calls see the same factors.
          dense: (b) => b.applyDenseGradient({ ...f, L: L.slice(), R: R.slice() }, G, 0.01),
          sparse: (b) => b.entryGradients(f, e, g),
        };
        for (const [kernel, call] of Object.entries(kernels)) {
          const key = `gpu_${kernel}_n${n}_k${K}`;
          const cpuMs = await medianMs(() => call(cpu));
          const gpuMs = await medianMs(() => call(gpu));
          out[`${key}_cpu_ms`] = cpuMs;
          out[`${key}_gpu_ms`] = gpuMs;
          out[`${key}_speedup`] = cpuMs / gpuMs;
        }
      }
    }
  } finally {
    await gpu.dispose();
  }
  return out;
}
