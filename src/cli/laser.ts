/**
 * `lowrank-rl laser <saved policy>`: layer-selective rank reduction of a trained policy with paired
 * statistics (src/laser). Accepts a saved-policy JSON file, a src/runner run directory, or its
 * final_params.json. Wired into the CLI by src/cli/main.ts through {@link addLaserCommand}; the
 * command itself runs in ./laser-run.ts.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { EvaluationMode } from "../laser/evaluate.js";

export interface LaserCommandOptions {
  episodes: number;
  seedBase: number;
  mode: EvaluationMode;
  maxSteps?: number;
  epsilon?: number;
  /** Layer names, or "all" for every weight matrix; default: the policy's action layers. */
  layers?: string[] | "all";
  ranks?: number[];
  fractions?: number[];
  skipAboveMax?: boolean;
  /** Set false by --no-kernels. */
  kernels: boolean;
  cpRanks?: number[];
  tuckerFractions?: number[];
  tuckerKeepModes?: number[];
  resamples: number;
  confidence: number;
  bootstrapSeed: number;
  out?: string;
  inlinePlotly?: boolean;
  quiet?: boolean;
}

/** Defaults of the command (also the experiment's). */
export const LASER_COMMAND_DEFAULTS = {
  episodes: 100,
  seedBase: 1_000_000,
  mode: "deterministic" as EvaluationMode,
  fractions: [0.9, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05, 0.01],
  ranks: [1, 2],
  resamples: 10_000,
  confidence: 0.95,
  bootstrapSeed: 0,
};

function listOf(flag: string, kind: "int" | "fraction" | "index") {
  return (value: string): number[] => {
    const parts = value.split(",").map((s) => s.trim());
    const xs = parts.map(Number);
    const ok = parts.every((p, i) => {
      const x = xs[i];
      if (p === "" || !Number.isFinite(x)) return false;
      if (kind === "int") return Number.isInteger(x) && x >= 1;
      if (kind === "index") return Number.isInteger(x) && x >= 0;
      return x > 0 && x <= 1;
    });
    if (!ok) {
      const want =
        kind === "int" ? "integers >= 1" : kind === "index" ? "integers >= 0" : "numbers in (0, 1]";
      throw new InvalidArgumentError(`${flag} must be a comma-separated list of ${want}, got "${value}"`);
    }
    return xs;
  };
}

function intFlag(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[+-]?\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} must be an integer in [${min}, ${max}], got "${value}"`);
    return n;
  };
}

function numberFlag(flag: string, min: number, max: number, openLow = false, openHigh = false) {
  return (value: string): number => {
    // Number("") and Number(" ") are 0: a blank value is not a number.
    const n = value.trim() === "" ? Number.NaN : Number(value);
    const ok = Number.isFinite(n) && (openLow ? n > min : n >= min) && (openHigh ? n < max : n <= max);
    if (!ok)
      throw new InvalidArgumentError(
        `${flag} must be a number in ${openLow ? "(" : "["}${min}, ${max}${openHigh ? ")" : "]"}, got "${value}"`,
      );
    return n;
  };
}

/** Adds `laser <policy>` to a commander program. */
export function addLaserCommand(program: Command): Command {
  const d = LASER_COMMAND_DEFAULTS;
  return program
    .command("laser")
    .description(
      "Layer-selective rank reduction of a trained policy: replace one weight matrix at a time by its exact truncated SVD " +
        "(and conv kernels by CP/Tucker models), evaluate on shared seeds, restore, and report paired deltas with bootstrap intervals",
    )
    .argument(
      "<policy>",
      "saved-policy JSON file, a run directory (manifest.json + final_params.json), or its final_params.json",
    )
    .option(
      "--episodes <n>",
      "evaluation episodes per trial",
      intFlag("--episodes", 1, 1_000_000),
      d.episodes,
    )
    .option(
      "--seed-base <n>",
      "evaluation seeds are deriveSeed(base, i)",
      intFlag("--seed-base", 0, 2 ** 31 - 1),
      d.seedBase,
    )
    .addOption(
      new Option("--mode <mode>", "evaluate the deterministic (mean / greedy) or the stochastic policy")
        .choices(["deterministic", "stochastic"])
        .default(d.mode),
    )
    .option(
      "--max-steps <n>",
      "step cap per episode (default: the policy's own)",
      intFlag("--max-steps", 1, 10_000_000),
    )
    .option(
      "--epsilon <x>",
      "DQN stochastic mode: ε of ε-greedy (default 0.05)",
      numberFlag("--epsilon", 0, 1),
    )
    .option(
      "--layers <names>",
      'comma-separated layer names, or "all" (default: the layers that act on the policy)',
      (v: string) => (v.trim() === "all" ? "all" : v.split(",").map((s) => s.trim())),
    )
    .option(
      "--ranks <list>",
      `absolute target ranks (default ${d.ranks.join(",")} plus the fractions)`,
      listOf("--ranks", "int"),
    )
    .option(
      "--fractions <list>",
      `fractions ρ of the max rank, k = max(1, ⌊ρ·r⌋) (default ${d.fractions.join(",")})`,
      listOf("--fractions", "fraction"),
    )
    .option("--skip-above-max", "skip (instead of rejecting) --ranks above a layer's max rank")
    .option("--no-kernels", "skip the CP/Tucker sweep of conv kernels")
    .option(
      "--cp-ranks <list>",
      "CP ranks for conv kernels (default 1,2,4,8,16,32)",
      listOf("--cp-ranks", "int"),
    )
    .option(
      "--tucker-fractions <list>",
      "Tucker fractions, Rₙ = ⌈ρ·Iₙ⌉ (default 0.25,0.5,0.75,1)",
      listOf("--tucker-fractions", "fraction"),
    )
    .option(
      "--tucker-keep-modes <list>",
      "kernel modes kept at full size in Tucker (e.g. 2,3: spatial)",
      listOf("--tucker-keep-modes", "index"),
    )
    .option("--resamples <n>", "bootstrap resamples", intFlag("--resamples", 1, 10_000_000), d.resamples)
    .option(
      "--confidence <x>",
      "two-sided confidence level of the interval",
      numberFlag("--confidence", 0, 1, true, true),
      d.confidence,
    )
    .option(
      "--bootstrap-seed <n>",
      "seed of the bootstrap generator",
      intFlag("--bootstrap-seed", 0, 2 ** 31 - 1),
      d.bootstrapSeed,
    )
    .option("--out <dir>", "output folder (default results/laser/<policy name>)")
    .option("--inline-plotly", "embed plotly.js in the HTML (one self-contained 10 MB file)")
    .option("--quiet", "no progress or table on the terminal")
    .action(async (policy: string, options: LaserCommandOptions) => {
      // The LASER modules load when the command runs, so other commands start without them.
      const { runLaserCommand } = await import("./laser-run.js");
      runLaserCommand(policy, options);
    });
}
