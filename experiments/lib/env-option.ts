import { InvalidArgumentError } from "commander";
import { listGridEnvs } from "../../src/envs/default-grid.js";
import { PAPER_TASKS } from "../../src/presets/paper-agents.js";
import { envRunDefaults } from "../../src/runner/env-defaults.js";
import type { MethodSpec } from "./compare-methods.js";

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
