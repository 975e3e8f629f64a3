import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as root from "../src/index.js";
import * as nodeEntry from "../src/node.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const names = (m: object): string[] => Object.keys(m);

/** Built-in modules that exist only in Node (with or without the `node:` prefix). */
const NODE_ONLY =
  /^(node:|(fs|fs\/promises|path|os|child_process|worker_threads|crypto|module|url|util|v8|vm|stream|net|http|https|zlib|readline|perf_hooks)$)/;

/**
 * The static and dynamic imports of a module, without type-only ones (erased at compile time).
 * Regex-based: enough for this code base's `import … from "…"` / `export … from "…"` / `import("…")`.
 */
function importsOf(file: string): string[] {
  const src = readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const statement = /(?:^|[;}\n])\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']/g;
  for (const m of src.matchAll(statement)) if (!m[2]) out.push(m[4]);
  for (const m of src.matchAll(/(?:^|[;}\n])\s*import\s*["']([^"']+)["']/g)) out.push(m[1]); // side-effect imports
  for (const m of src.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]);
  return out;
}

/** Every module reachable from `entry`, with the chain that reaches it and its Node-only imports. */
function nodeImportsReachableFrom(entry: string): string[] {
  const parent = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  const found: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const spec of importsOf(file)) {
      if (spec.startsWith(".")) {
        const ts = path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts"));
        const target = existsSync(ts) ? ts : path.resolve(path.dirname(file), spec);
        if (!parent.has(target)) {
          parent.set(target, file);
          queue.push(target);
        }
      } else if (NODE_ONLY.test(spec)) {
        const chain: string[] = [];
        for (let f: string | null = file; f !== null; f = parent.get(f) ?? null)
          chain.push(path.relative(ROOT, f));
        found.push(`${spec} imported by ${chain.join(" ← ")}`);
      }
    }
  }
  return found;
}

describe("public API: lowrank-rl (src/index.ts) and lowrank-rl/node (src/node.ts)", () => {
  it("the root exports what a user builds with", () => {
    for (const name of [
      // envs
      "makeEnv",
      "listEnvs",
      "checkEnv",
      "TimeLimit",
      "MinAtarBreakout",
      // parametrizations, heads, update rules, agents, presets
      "GridLowRank",
      "ScalarMlp",
      "GaussianHead",
      "SoftmaxHead",
      "ReinforceWithBaseline",
      "TrpoRule",
      "trpoStep",
      "RbfFeatures",
      "cpRankExploration",
      "ComposedAgent",
      "Discretizer",
      "LrpgAgent",
      "SoftmaxLrpgAgent",
      "FusedLrpgEpisodes",
      "NnGaussianAgent",
      "makePaperAgent",
      "makeGymPgAgent",
      "InterpolatedCp",
      "TanhMlp",
      "trainReinforce",
      "discountedReturns",
      // optimizers
      "Adam",
      "Sgd",
      "RmsProp",
      // factor math
      "LowRankMatrix",
      "Tensor",
      "TuckerTensor",
      "CPTensor",
      "cpAls",
      "hosvd",
      "hooi",
      "truncatedSvd",
      "modeProduct",
      "CpuFactorBackend",
      // random
      "Rng",
      // nn layers
      "Dense",
      "LowRankDense",
      "TuckerRegression",
      "CPConv2d",
      "Conv2d",
      "Sequential",
      "Scattering2d",
      "Kfac",
      // actor-critic
      "A2c",
      "SyncVectorEnv",
      "mlpActorCritic",
      "minatarActorCritic",
      // low-rank value learning
      "CellActionLowRank",
      "TdAgent",
      "runTdEpisode",
      "nStepTarget",
      // DQN
      "DqnAgent",
      "ReplayBuffer",
      "minatarQNetwork",
      "trainDqn",
      // LASER math
      "thinSvd",
      "truncateLayer",
      "pairedBootstrapInterval",
      "ranksFor",
      "selectOnHeldOutSeeds",
    ]) {
      expect(names(root), name).toContain(name);
    }
    expect(typeof root.dqn.DqnAgent).toBe("function");
  });

  it("the root exports no kernel internals and nothing Node-only", () => {
    for (const name of [
      "gemmStrided",
      "gemmNN",
      "gemmNT",
      "gemmTN",
      "setGemmBackend",
      "projectModeInto",
      "projectModeBackward",
      "adamStepInPlace",
      "applyDenseGradientInPlace",
      "entryGradientsInto",
      "gatherEntriesInto",
      "reconstructInto",
      "copyKernel",
      "adamRange",
      "adamCoefficients",
      "WASM_MIN_LENGTH",
      "wasmUpdateKernelsAvailable",
      "wasmGemmAvailable",
      "wasmGemmF32Available",
      "setSparseConvBackend",
      "BatchBuffer",
      "lowRankGaussianActKernel",
      "kernelSource",
      "kernelGrid",
      // Node-only: file I/O, runner, report, CLI, gpu.js runtime
      "runner",
      "report",
      "laser",
      "readSavedPolicy",
      "writeSavedPolicy",
      "runLaser",
      "createBackend",
      "GpuFactorBackend",
      "openGpuRuntime",
    ]) {
      expect(names(root), name).not.toContain(name);
    }
  });

  it("lowrank-rl/node adds the runner, report, CLI, LASER runs and the gpu.js backend to the root", () => {
    for (const name of names(root)) expect(names(nodeEntry), name).toContain(name);
    for (const name of [
      "runner",
      "report",
      "laser",
      "cli",
      "createBackend",
      "GpuFactorBackend",
      "trainPopulation",
    ]) {
      expect(names(nodeEntry), name).toContain(name);
    }
    expect(typeof nodeEntry.runner).toBe("object");
    expect(typeof nodeEntry.laser.readSavedPolicy).toBe("function");
    expect(typeof nodeEntry.cli.main).toBe("function");
    expect(typeof nodeEntry.queue.startQueueWorker).toBe("function");
    expect(typeof nodeEntry.queue.enqueueSweep).toBe("function");
  });

  it("no module reachable from the root imports a Node built-in", () => {
    expect(nodeImportsReachableFrom(path.join(ROOT, "src/index.ts"))).toEqual([]);
  });

  it("the import-graph check does find Node built-ins (it would catch a regression)", () => {
    expect(nodeImportsReachableFrom(path.join(ROOT, "src/node.ts")).length).toBeGreaterThan(0);
  });

  it("package.json maps lowrank-rl/node to the built node entry", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, { types: string; import: string }>;
    };
    expect(pkg.exports["."]).toEqual({ types: "./dist/index.d.ts", import: "./dist/index.js" });
    expect(pkg.exports["./node"]).toEqual({ types: "./dist/node.d.ts", import: "./dist/node.js" });
  });

  it("a paper agent and env from the root train and export the reference's state-dict names", () => {
    const rng = new root.Rng(0);
    const agent = root.makePaperAgent("lrpg", "pendulum", { rng });
    const env = root.makeEnv("LRPG/Pendulum", { rng: rng.fork() });
    const returns: number[] = [];
    root.trainReinforce({
      env,
      agent,
      rng,
      episodes: 5,
      maxSteps: 100,
      onEpisode: (e) => void returns.push(e.return),
    });
    expect(returns).toHaveLength(5);
    expect(Object.keys(agent.exportStateDict()).sort()).toEqual([
      "log_sigma",
      "mu.L",
      "mu.R",
      "value.L",
      "value.R",
    ]);
    expect(agent.parameterCount.total).toBe(208);
  });
});
