/**
 * The population's kernels and its end-to-end training speed on gpu.js (headless-gl by default: a
 * GL device) against the CPU path (float64 loops), in one run, at P = 64, 1 024 and 4 096 agents on
 * the paper's pendulum (actor grid 10×10, critic 16×16, K = 4, T = 100).
 *
 *   bash tools/gpu/bench-gl.sh                      # headless-gl under the X display or xvfb-run
 *   npx tsx bench/gpu-population.ts --gpu-mode webasm --sizes 64 --budget-ms 500   # any machine
 *
 * Per P, for each path, the median time of one call (upload of its host arguments and readback
 * included, compilation excluded: one warm-up call first):
 * - act: the policy of every agent at one step, a = μ(s) + σ·ε with μ = [L Rᵀ] at the state's cell
 *   (`lowRankGaussianActKernel`, the policy resident on the device as in `LrpgPopulation`);
 * - env: one step of every agent's pendulum (`stepKernel` / `stepCpu`);
 * - gather, grads, adam: the update's kernels through the FactorBackend interface, for T entries
 *   per agent (a full episode): X[i, j] at the visited cells, the sparse entry gradients of L and R,
 *   one Adam step over every actor parameter;
 * and end to end, `LrpgPopulation.trainEpisode` (roll-outs of every agent, then every update): env
 * steps per second over all agents, and the first episode's time (kernel compilation included).
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  copyKernel,
  createBackend,
  openGpuRuntime,
  type BatchedEntries,
  type BatchedFactors,
  type FactorBackend,
  type GpuMode,
  type GpuRuntime,
} from "../src/factor/backend/index.js";
import { Discretizer } from "../src/lrpg/discretizer.js";
import { LrpgPopulation, kernelGrid, lowRankGaussianActKernel } from "../src/population/index.js";
import { PAPER_POPULATION_TASKS } from "../src/presets/population-tasks.js";
import { Rng } from "../src/random/rng.js";

export interface GpuPopulationBenchOptions {
  sizes: number[];
  gpuMode: GpuMode;
  /** Wall-clock budget per timed cell (ms). */
  budgetMs: number;
  /** Progress lines go here (null: silent). */
  log: ((line: string) => void) | null;
}

/** One P: median ms per call of each kernel on each path, and end-to-end figures. */
export interface GpuPopulationRow {
  P: number;
  kernels: Record<"act" | "env" | "gather" | "grads" | "adam", { cpuMs: number; gpuMs: number }>;
  cpuStepsPerSecond: number;
  gpuStepsPerSecond: number;
  cpuFirstEpisodeMs: number;
  gpuFirstEpisodeMs: number;
}

/** The gpu path against the CPU path on the same small population (as the live page checks WebGL). */
export interface GpuPopulationCheck {
  agents: number;
  episodes: number;
  maxSteps: number;
  /** max |gpu − cpu| / max(|cpu|, 1) over every agent's returns. */
  maxRelativeDifference: number;
}

export interface GpuPopulationReport {
  gpuMode: string;
  check: GpuPopulationCheck;
  machine: { cpus: string; cores: number; node: string; display: string | null };
  rows: GpuPopulationRow[];
}

const TASK = PAPER_POPULATION_TASKS.pendulum;
const T = TASK.maxSteps;
const K = TASK.rank;

/** Median of per-call times within the budget (≥ 3 calls) after one warm-up call. */
async function medianMs(budgetMs: number, call: () => Promise<unknown> | unknown): Promise<number> {
  await call();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < budgetMs && times.length < 500)) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Random factors of P agents on a grid (float64; the gpu path converts them as the population does). */
function factors(P: number, g: Discretizer, rng: Rng): BatchedFactors {
  return {
    count: P,
    rows: g.rows,
    cols: g.cols,
    rank: K,
    L: rng.fillNormal(new Float64Array(P * g.rows * K), 0, 0.5),
    R: rng.fillNormal(new Float64Array(P * g.cols * K), 0, 0.5),
  };
}

async function kernelTimes(
  P: number,
  gpu: FactorBackend,
  runtime: GpuRuntime,
  budgetMs: number,
): Promise<GpuPopulationRow["kernels"]> {
  const rng = new Rng(11);
  const dyn = TASK.dynamics;
  const S = dyn.stateDim;
  const actorGrid = new Discretizer(TASK.actorGrid);
  const actor = factors(P, actorGrid, rng);
  const states = new Float64Array(P * S);
  for (let p = 0; p < P; p++) dyn.reset(states, p * S, rng);
  const noise = rng.fillNormal(new Float64Array(P));
  const sigma = new Float64Array(P).fill(Math.E);
  const actions = new Float64Array(P);
  const N = actorGrid.rows;
  const M = actorGrid.cols;

  // act, CPU: the float64 loop of the population's CPU path.
  const actCpu = () => {
    for (let p = 0; p < P; p++) {
      const f = actorGrid.flatCell(states, p * S);
      const i = (f / M) | 0;
      const io = (p * N + i) * K;
      const jo = (p * M + (f - i * M)) * K;
      let z = 0;
      for (let k = 0; k < K; k++) z += actor.L[io + k] * actor.R[jo + k];
      actions[p] = z + sigma[p] * noise[p];
    }
  };
  // act, GPU: the policy kernel over all agents, the policy resident on the device.
  const act = runtime.compile(lowRankGaussianActKernel, { loopMaxIterations: 1 << 10 });
  const toDevice = [0, 1, 2].map(() => runtime.compile(copyKernel, { resident: true, specializations: 1 }));
  const policy = {
    L: await toDevice[0].toDevice(actor.L.length, Float32Array.from(actor.L)),
    R: await toDevice[1].toDevice(actor.R.length, Float32Array.from(actor.R)),
    sigma: await toDevice[2].toDevice(P, Float32Array.from(sigma)),
  };
  const grid = kernelGrid(actorGrid);
  const agentIdx = Float32Array.from({ length: P }, (_, p) => p);
  const states32 = new Float32Array(P * S);
  const noise32 = new Float32Array(P);
  const actGpu = async () => {
    states32.set(states);
    noise32.set(noise);
    const out = await act.run(
      P,
      agentIdx,
      states32,
      noise32,
      policy.L,
      policy.R,
      policy.sigma,
      grid.low,
      grid.range,
      grid.steps,
      grid.axis,
      grid.mult,
      S,
      actorGrid.stateDim,
      N,
      M,
      K,
      0,
      0,
      0,
      0,
    );
    for (let p = 0; p < P; p++) actions[p] = out[p];
  };

  // env: one step of every agent from the same states (restored each call).
  const active = new Uint8Array(P).fill(1);
  const rewards = new Float64Array(P);
  const terminated = new Uint8Array(P);
  const work = new Float64Array(P * S);
  const envCpu = () => {
    work.set(states);
    dyn.stepCpu(work, actions, active, rewards, terminated, P);
  };
  const step = runtime.compile(dyn.stepKernel, { loopMaxIterations: 1 << 10 });
  const actions32 = new Float32Array(P);
  const envGpu = async () => {
    states32.set(states);
    actions32.set(actions);
    const out = await step.run([S + 2, P], agentIdx, states32, actions32);
    for (let p = 0; p < P; p++) {
      const o = p * (S + 2);
      for (let c = 0; c < S; c++) work[p * S + c] = out[o + c];
      rewards[p] = out[o + S];
    }
  };

  // The update's kernels, for a full episode (T entries) per agent.
  const entries: BatchedEntries = {
    capacity: T,
    rowIdx: Int32Array.from({ length: P * T }, () => rng.integer(N)),
    colIdx: Int32Array.from({ length: P * T }, () => rng.integer(M)),
    counts: new Int32Array(P).fill(T),
  };
  const g = rng.fillNormal(new Float64Array(P * T), 0, 1e-2);
  const nParams = actor.L.length + actor.R.length + P;
  const adamArrays = (Float: Float64ArrayConstructor | Float32ArrayConstructor) => ({
    param: Float.from(rng.fillNormal(new Float64Array(nParams))),
    grad: Float.from(rng.fillNormal(new Float64Array(nParams), 0, 1e-2)),
    m: new Float(nParams),
    v: new Float(nParams),
  });
  const cpu = await createBackend("cpu");
  const a64 = adamArrays(Float64Array);
  const a32 = adamArrays(Float32Array);
  const actor32: BatchedFactors = { ...actor, L: Float32Array.from(actor.L), R: Float32Array.from(actor.R) };
  const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1 };
  return {
    act: { cpuMs: await medianMs(budgetMs, actCpu), gpuMs: await medianMs(budgetMs, actGpu) },
    env: { cpuMs: await medianMs(budgetMs, envCpu), gpuMs: await medianMs(budgetMs, envGpu) },
    gather: {
      cpuMs: await medianMs(budgetMs, () => cpu.gatherEntries(actor, entries)),
      gpuMs: await medianMs(budgetMs, () => gpu.gatherEntries(actor32, entries)),
    },
    grads: {
      cpuMs: await medianMs(budgetMs, () => cpu.entryGradients(actor, entries, g)),
      gpuMs: await medianMs(budgetMs, () => gpu.entryGradients(actor32, entries, g)),
    },
    adam: {
      cpuMs: await medianMs(budgetMs, () => cpu.adamStep(a64.param, a64.grad, a64.m, a64.v, adam)),
      gpuMs: await medianMs(budgetMs, () => gpu.adamStep(a32.param, a32.grad, a32.m, a32.v, adam)),
    },
  };
}

/** Steps per second of whole lockstep episodes within the budget, and the first episode's ms. */
async function endToEnd(
  P: number,
  backend: FactorBackend,
  budgetMs: number,
): Promise<{ stepsPerSecond: number; firstEpisodeMs: number }> {
  const pop = await LrpgPopulation.create({
    task: TASK,
    seeds: Array.from({ length: P }, (_, p) => p),
    backend,
  });
  const t0 = performance.now();
  await pop.trainEpisode();
  const firstEpisodeMs = performance.now() - t0;
  let steps = 0;
  let episodes = 0;
  const start = performance.now();
  while (episodes < 2 || (performance.now() - start < budgetMs && episodes < 1000)) {
    steps += (await pop.trainEpisode()).steps;
    episodes++;
  }
  const stepsPerSecond = steps / ((performance.now() - start) / 1000);
  await pop.dispose();
  return { stepsPerSecond, firstEpisodeMs };
}

/** Returns of 16 agents over 3 episodes of ≤ 20 steps on both paths: max relative difference. */
async function agreement(gpu: FactorBackend, cpu: FactorBackend): Promise<GpuPopulationCheck> {
  const check = { agents: 16, episodes: 3, maxSteps: 20 };
  const returns = async (backend: FactorBackend) => {
    const pop = await LrpgPopulation.create({
      task: TASK,
      seeds: Array.from({ length: check.agents }, (_, p) => p),
      maxSteps: check.maxSteps,
      backend,
    });
    const out: Float64Array[] = [];
    for (let e = 0; e < check.episodes; e++) out.push((await pop.trainEpisode()).returns);
    await pop.dispose();
    return out;
  };
  const g = await returns(gpu);
  const c = await returns(cpu);
  let worst = 0;
  for (let e = 0; e < check.episodes; e++)
    for (let p = 0; p < check.agents; p++) {
      const d = Math.abs(g[e][p] - c[e][p]) / Math.max(Math.abs(c[e][p]), 1);
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
  return { ...check, maxRelativeDifference: worst };
}

/** Runs every size on both paths; throws (naming the missing piece) if the gpu mode is not available. */
export async function benchGpuPopulation(options: GpuPopulationBenchOptions): Promise<GpuPopulationReport> {
  const { sizes, gpuMode, budgetMs, log } = options;
  const gpu = await createBackend("gpu", { mode: gpuMode });
  const runtime = await openGpuRuntime(gpuMode);
  const cpu = await createBackend("cpu");
  const rows: GpuPopulationRow[] = [];
  let check: GpuPopulationCheck;
  try {
    log?.(`agreement of ${gpu.mode} with the CPU path …`);
    check = await agreement(gpu, cpu);
    for (const P of sizes) {
      log?.(`P = ${P}: kernels …`);
      const kernels = await kernelTimes(P, gpu, runtime, budgetMs);
      log?.(`P = ${P}: end to end, cpu …`);
      const c = await endToEnd(P, cpu, budgetMs);
      log?.(`P = ${P}: end to end, gpu (${gpu.mode}) …`);
      const g = await endToEnd(P, gpu, budgetMs);
      rows.push({
        P,
        kernels,
        cpuStepsPerSecond: c.stepsPerSecond,
        gpuStepsPerSecond: g.stepsPerSecond,
        cpuFirstEpisodeMs: c.firstEpisodeMs,
        gpuFirstEpisodeMs: g.firstEpisodeMs,
      });
    }
  } finally {
    await runtime.destroy();
    await gpu.dispose();
  }
  const cpus = os.cpus();
  return {
    gpuMode: gpu.mode,
    check,
    machine: {
      cpus: cpus[0]?.model ?? "unknown",
      cores: cpus.length,
      node: process.version,
      display: process.env.DISPLAY ?? null,
    },
    rows,
  };
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtRatio = (r: number) => (r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2));
const fmtRate = (r: number) =>
  r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : r >= 1e3 ? `${(r / 1e3).toFixed(0)} k` : r.toFixed(0);

/** The report as two markdown tables (kernels; end to end). speedup = cpu / gpu (> 1: gpu faster). */
export function markdownTables(r: GpuPopulationReport): string {
  const lines = [
    `gpu.js mode ${r.gpuMode}; ${r.machine.cores} × ${r.machine.cpus}; Node ${r.machine.node}; DISPLAY ${r.machine.display ?? "unset"}`,
    `agreement with the CPU path: ${r.check.agents} agents × ${r.check.episodes} episodes of ≤ ${r.check.maxSteps} steps, returns within ${r.check.maxRelativeDifference.toExponential(1)} (relative)`,
    "",
    "| P | kernel | cpu ms | gpu ms | speedup |",
    "|---:|---|---:|---:|---:|",
  ];
  for (const row of r.rows)
    for (const [name, k] of Object.entries(row.kernels))
      lines.push(
        `| ${row.P} | ${name} | ${fmtMs(k.cpuMs)} | ${fmtMs(k.gpuMs)} | ${fmtRatio(k.cpuMs / k.gpuMs)} |`,
      );
  lines.push(
    "",
    "| P | cpu steps/s | gpu steps/s | gpu / cpu | first episode cpu ms | first episode gpu ms |",
    "|---:|---:|---:|---:|---:|---:|",
  );
  for (const row of r.rows)
    lines.push(
      `| ${row.P} | ${fmtRate(row.cpuStepsPerSecond)} | ${fmtRate(row.gpuStepsPerSecond)} | ${fmtRatio(row.gpuStepsPerSecond / row.cpuStepsPerSecond)} | ${fmtMs(row.cpuFirstEpisodeMs)} | ${fmtMs(row.gpuFirstEpisodeMs)} |`,
    );
  return lines.join("\n") + "\n";
}

const USAGE = `usage: npx tsx bench/gpu-population.ts [--gpu-mode <mode>] [--sizes <P,P,…>] [--budget-ms <ms>] [--json <file>]

The population's act, env, gather, grads and adam kernels and its end-to-end steps/s on gpu.js
against the CPU path (float64 loops), per population size P, in one run. Prints markdown tables.

  --gpu-mode <mode>  gpu.js mode: gpu (a GL device: headlessgl in Node; default), headlessgl,
                     webasm, cpu, auto
  --sizes <list>     population sizes, integers in [1, 65536] (default 64,1024,4096)
  --budget-ms <ms>   time per timed cell, an integer in [1, 600000] (default 3000)
  --json <file>      also write the report as JSON
`;

function usageError(message: string): never {
  process.stderr.write(`gpu-population: ${message}\n`);
  process.exit(2);
}

function integerIn(flag: string, value: string | undefined, lo: number, hi: number): number {
  const n = value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < lo || n > hi)
    usageError(`${flag} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(value ?? "")}`);
  return n;
}

async function main(args: string[]): Promise<void> {
  const options: GpuPopulationBenchOptions = {
    sizes: [64, 1024, 4096],
    gpuMode: "gpu",
    budgetMs: 3000,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  let json: string | null = null;
  const modes: GpuMode[] = ["gpu", "headlessgl", "webasm", "cpu", "auto"];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i];
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE);
      return;
    } else if (a === "--gpu-mode") {
      const m = value();
      if (!modes.includes(m as GpuMode))
        usageError(`--gpu-mode must be one of ${modes.join(", ")}, got ${JSON.stringify(m ?? "")}`);
      options.gpuMode = m as GpuMode;
    } else if (a === "--sizes") {
      const v = value();
      options.sizes = (v ?? "").split(",").map((s) => integerIn("--sizes", s, 1, 65536));
    } else if (a === "--budget-ms") options.budgetMs = integerIn("--budget-ms", value(), 1, 600_000);
    else if (a === "--json") {
      json = value() ?? usageError("--json needs a file name");
    } else usageError(`unknown argument ${JSON.stringify(a)} (see --help)`);
  }
  const report = await benchGpuPopulation(options);
  process.stdout.write(markdownTables(report));
  if (json !== null) writeFileSync(json, JSON.stringify(report, null, 2) + "\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`gpu-population: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
