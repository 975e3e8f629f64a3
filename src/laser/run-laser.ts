import { makeEvaluationSeeds, type EvaluationMode } from "./evaluate.js";
import { runKernelSweep, type KernelGridSpec, type KernelSweepResult } from "./kernel-sweep.js";
import type { LaserRow } from "./laser-row.js";
import type { BootstrapOptions } from "./paired-stats.js";
import { buildPolicy } from "./policy-kinds.js";
import { assertSourceUnchanged, type PolicySource } from "./policy-source.js";
import type { RankGridSpec } from "./rank-grid.js";
import { selectOnHeldOutSeeds, type HeldOutSelection } from "./selection.js";
import { runSvdSweep, type SvdSweepResult } from "./svd-sweep.js";
import { enumerateWeightMatrices } from "./weight-matrices.js";

export interface LaserRunOptions {
  /** Evaluation episodes per trial (default 100, as the RL_Rank_Reduction experiment). */
  readonly episodes?: number;
  /** Base of the evaluation seeds deriveSeed(seedBase, i) (default 1 000 000, away from training seeds). */
  readonly seedBase?: number;
  readonly mode?: EvaluationMode;
  readonly maxSteps?: number;
  /** DQN stochastic mode: ε-greedy ε. */
  readonly epsilon?: number;
  /** Layers for the SVD sweep (default: the policy's action-relevant layers; "all": every matrix). */
  readonly layers?: readonly string[] | "all";
  readonly grid?: RankGridSpec;
  /** Run the CP/Tucker sweep of conv kernels (default: when the policy has conv kernels). */
  readonly kernels?: boolean;
  readonly kernelGrid?: KernelGridSpec;
  readonly kernelMethods?: readonly ("cp" | "tucker")[];
  readonly bootstrap?: BootstrapOptions;
  readonly onTrial?: (sweep: "svd" | "kernel", row: LaserRow, done: number, total: number) => void;
}

/** Everything a LASER run produced, JSON-serializable. */
export interface LaserReport {
  readonly tool: "lowrank-rl laser";
  readonly created: string;
  readonly policy: {
    readonly description: string;
    readonly kind: string;
    readonly env: string;
    readonly weightsChecksum: string;
    readonly files: readonly { readonly path: string; readonly checksum: string }[];
  };
  readonly evaluation: {
    readonly episodes: number;
    readonly seedBase: number;
    readonly mode: EvaluationMode;
    readonly maxSteps: number | null;
    readonly epsilon: number | null;
  };
  readonly bootstrap: Required<BootstrapOptions>;
  readonly svd: SvdSweepResult | null;
  readonly kernels: KernelSweepResult | null;
  /** Every null-control row reproduced the baseline returns exactly. */
  readonly nullControlExact: boolean;
  /** Best trial chosen on the first 20 % of the seeds, re-measured on the other 80 % (null with < 2 episodes). */
  readonly selection: HeldOutSelection | null;
  /** Wall-clock seconds. */
  readonly seconds: number;
}

/**
 * The whole `lowrank-rl laser` procedure on a loaded policy: rebuild the agent, SVD-sweep the chosen
 * layers, CP/Tucker-sweep the conv kernels, and check that the input files are byte-identical afterwards.
 */
export function runLaser(source: PolicySource, options: LaserRunOptions = {}): LaserReport {
  const start = performance.now();
  const episodes = options.episodes ?? 100;
  const seedBase = options.seedBase ?? 1_000_000;
  const mode = options.mode ?? "deterministic";
  const episodeSeeds = makeEvaluationSeeds(seedBase, episodes);
  const built = buildPolicy(source.saved, {
    episodeSeeds,
    mode,
    maxSteps: options.maxSteps,
    epsilon: options.epsilon,
  });
  const bootstrap: Required<BootstrapOptions> = {
    resamples: options.bootstrap?.resamples ?? 10_000,
    confidence: options.bootstrap?.confidence ?? 0.95,
    seed: options.bootstrap?.seed ?? 0,
  };
  const layers = options.layers === "all" ? undefined : (options.layers ?? built.policyLayers);
  const svd =
    layers && layers.length === 0
      ? null
      : runSvdSweep(built.subject, {
          layers,
          grid: options.grid,
          bootstrap,
          onTrial: (row, done, total) => options.onTrial?.("svd", row, done, total),
        });
  const hasConv = enumerateWeightMatrices(source.saved.stateDict).some((m) => m.kind === "conv");
  const kernels =
    (options.kernels ?? hasConv) && hasConv
      ? runKernelSweep(built.subject, {
          grid: options.kernelGrid,
          methods: options.kernelMethods,
          bootstrap,
          onTrial: (row, done, total) => options.onTrial?.("kernel", row, done, total),
        })
      : null;
  assertSourceUnchanged(source);
  const rows = [...(svd?.rows ?? []), ...(kernels?.rows ?? [])];
  if (rows.length === 0)
    throw new RangeError(
      `laser: nothing to sweep: ${built.description} has no weight matrix among the chosen layers (${(layers ?? []).join(", ") || "none"})`,
    );
  const baselineReturns = svd?.baseline.returns ?? kernels?.baseline.returns ?? [];
  const nullControlExact = rows
    .filter((r) => r.nullControl)
    .every(
      (r) =>
        r.returns.length === baselineReturns.length && r.returns.every((x, i) => x === baselineReturns[i]),
    );
  const baseline = svd?.baseline ?? kernels?.baseline;
  const selection =
    baseline && baseline.episodes >= 2 ? selectOnHeldOutSeeds(rows, baseline, { bootstrap }) : null;
  return {
    tool: "lowrank-rl laser",
    created: new Date().toISOString(),
    policy: {
      description: `${built.description} — ${source.description}`,
      kind: source.saved.kind,
      env: built.envId,
      weightsChecksum: source.saved.checksum,
      files: source.files,
    },
    evaluation: {
      episodes,
      seedBase,
      mode,
      maxSteps: built.maxSteps ?? null,
      epsilon: mode === "stochastic" && source.saved.kind === "dqn" ? (options.epsilon ?? 0.05) : null,
    },
    bootstrap,
    svd,
    kernels,
    nullControlExact,
    selection,
    seconds: (performance.now() - start) / 1000,
  };
}
