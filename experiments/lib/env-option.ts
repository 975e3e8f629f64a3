import { InvalidArgumentError, type Command } from "commander";
import { listGridEnvs } from "../../src/envs/default-grid.js";
import { PAPER_TASKS } from "../../src/presets/paper-agents.js";
import { envRunDefaults } from "../../src/runner/env-defaults.js";
import { runComparison, type MethodSpec } from "./compare-methods.js";
import type { ExecutionOptions } from "./population-option.js";

/** Env ids `--env` accepts: the paper's envs and every registered env with a default grid. */
export function envChoices(): string[] {
  return [...new Set([...Object.values(PAPER_TASKS).map((t) => t.envId), ...listGridEnvs()])];
}

/** Commander parser for `--env <id>`; the error lists the allowed ids. */
export function envOption(value: string): string {
  const id = value.trim();
  if (!envChoices().includes(id))
    throw new InvalidArgumentError(
      `--env must be a registered env with a default grid: one of ${envChoices().join(", ")}; got "${value}"`,
    );
  return id;
}

/** What an `exp:*` script runs on an env other than its own: the methods, the threshold and the settings. */
export interface EnvComparison {
  methods: MethodSpec[];
  threshold: number;
  episodes: number;
  hyperparameters: Record<string, unknown>;
}

/**
 * LRPG (and the NN baseline when the actions are continuous) on `envId` with that env's
 * defaults: a paper env takes its paper preset (src/presets/paper-agents.ts); any other
 * registered env its default grid (src/envs/default-grid.ts) and the runner's env defaults
 * (src/runner/env-defaults.ts) — the low-rank softmax policy for discrete actions.
 * `episodes` overrides the env's default length.
 */
export function envComparison(envId: string, episodes?: number): EnvComparison {
  const common = { env: envId, checkpointEvery: 0, snapshotEvery: 0 };
  const paper = Object.values(PAPER_TASKS).find((t) => t.envId === envId);
  if (paper) {
    const n = episodes ?? paper.episodes;
    return {
      methods: [
        {
          name: "LRPG",
          paperParams: paper.paperParams.lrpg,
          config: { ...common, algo: "lrpg", episodes: n },
        },
        { name: "NN", paperParams: paper.paperParams.nn, config: { ...common, algo: "nn", episodes: n } },
      ],
      threshold: paper.threshold,
      episodes: n,
      hyperparameters: {
        env: envId,
        episodes: n,
        source: `paper preset "${paper.task}" (src/presets/paper-agents.ts)`,
        max_steps: paper.maxSteps,
        gamma: paper.gamma,
        lrpg: paper.lrpg,
        nn: paper.nn,
      },
    };
  }
  const d = envRunDefaults(envId);
  const n = episodes ?? d.episodes;
  const methods: MethodSpec[] = [
    {
      name: d.actionKind === "discrete" ? "LRPG (softmax)" : "LRPG",
      paperParams: null,
      config: { ...common, algo: "lrpg", episodes: n },
    },
  ];
  if (d.nn !== null)
    methods.push({ name: "NN", paperParams: null, config: { ...common, algo: "nn", episodes: n } });
  return {
    methods,
    threshold: d.threshold,
    episodes: n,
    hyperparameters: {
      env: envId,
      source: "default grid (src/envs/default-grid.ts) and runner env defaults (src/runner/env-defaults.ts)",
      ...d,
      episodes: n,
    },
  };
}

/** Default output folder of a run on another env: results/<script>-<env id with / → ->. */
export function envOutDir(script: string, envId: string): string {
  return `results/${script}-${envId.replace(/[^A-Za-z0-9.]+/g, "-")}`;
}

/** The flags every paper script shares, as parsed by commander. */
export interface ScriptOptions {
  seeds: number[];
  episodes: number;
  out: string;
  threads?: number;
  quiet?: boolean;
  env: string;
}

/**
 * `--env`: when a script is asked for another env than its own, run the same LRPG-vs-NN
 * comparison there with that env's defaults (episodes and out only when given on the CLI).
 */
export async function runOnOtherEnv(
  script: string,
  program: Command,
  opts: ScriptOptions,
  execution: ExecutionOptions,
  measures: { window: number; finalWindow: number },
): Promise<void> {
  const other = envComparison(
    opts.env,
    program.getOptionValueSource("episodes") === "cli" ? opts.episodes : undefined,
  );
  await runComparison({
    experiment: `${script} --env ${opts.env}`,
    methods: other.methods,
    seeds: opts.seeds,
    out: program.getOptionValueSource("out") === "cli" ? opts.out : envOutDir(script, opts.env),
    threads: opts.threads,
    threshold: other.threshold,
    window: measures.window,
    finalWindow: Math.min(measures.finalWindow, other.episodes),
    hyperparameters: other.hyperparameters,
    quiet: opts.quiet,
    execution,
  });
}
