/**
 * The LRPG paper's pendulum experiment (Fig. 1a): the low-rank policy gradient (LRPG) against
 * the neural-network baseline (RVFB: REINFORCE with a learned value baseline), same loop,
 * same Adam, one update per episode, on the inverted-pendulum balancing task.
 *
 *   npm run exp:pendulum                                  # 10 seeds × 1000 episodes
 *   npm run exp:pendulum -- --seeds 3 --episodes 300 --out /tmp/pend
 *
 * Writes <out>/runs/<env>__<algo>__<seed>__<time>/ per run, <out>/summary.json and
 * <out>/report.html (learning curves, return vs parameter count; opens offline).
 * Reference (matrix-low-rank-pg re-run, 10 seeds; docs/lrpg.md §9): episodes until
 * the 20-episode moving average reaches 90 — LRPG median 127 (89–189), NN median 405 (354–522).
 */
import { usageExit } from "./lib/script-errors.js";
import { Command } from "commander";
import { PAPER_TASKS } from "../src/presets/paper-agents.js";
import { intInRange, outputDir, seedList } from "./lib/args.js";
import { runComparison } from "./lib/compare-methods.js";
import { addExecutionOptions, executionFromOptions } from "./lib/population-option.js";
import { envOption, runOnOtherEnv } from "./lib/env-option.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const ENV_ID = "LRPG/Pendulum";
const EPISODES = 1000; // the reference's "epochs"
const MAX_STEPS = 100; // T: each episode is cut at 100 steps, Monte-Carlo returns, no bootstrap
const GAMMA = 0.99;
const SEEDS = 10; // seeds 0 … 9
const OUT = "results/pendulum";

// LRPG: μ(s) = [L Rᵀ] at the state's cell, scalar log σ₀ = 1, value baseline V(s) = [L_v R_vᵀ] at its cell
const LRPG_RANK = 4; // K
const LRPG_ACTOR_BUCKETS = 10; // actor grid 10×10: rows θ ∈ [−1, 1], columns θ̇ ∈ [−5, 5]
const LRPG_CRITIC_BUCKETS = 16; // critic grid 16×16 over the same ranges
const LRPG_LR_ACTOR = 1e-2; // Adam
const LRPG_LR_CRITIC = 1e-1; // Adam

// NN baseline: separate μ-net and V-net, Linear(2, 512)–ReLU–Linear(512, 1), PyTorch default init
const NN_HIDDEN = 512;
const NN_LR_ACTOR = 1e-3; // Adam
const NN_LR_CRITIC = 1e-3; // Adam

// Measures
const THRESHOLD = 90; // convergence: first episode count where the 20-episode moving average ≥ 90
const WINDOW = 20;
const FINAL_WINDOW = 100; // "final return": mean over the last 100 episodes
const PAPER_PARAMS = { lrpg: 160, nn: 4098 }; // the paper's legend figures (actor + critic, σ excluded)
const REFERENCE = {
  lrpg_median_episodes_to_threshold: 127,
  nn_median_episodes_to_threshold: 405,
  source: "docs/lrpg.md §9 (reference code re-run, seeds 0–9)",
};
// ---------------------------------------------------------------------------------------------

// The grid ranges live in the paper preset (src/presets/paper-agents.ts); check they are the ones stated above.
const preset = PAPER_TASKS.pendulum;
if (
  preset.envId !== ENV_ID ||
  String(preset.lrpg.actorGrid.low) !== "-1,-5" ||
  String(preset.lrpg.actorGrid.high) !== "1,5"
) {
  throw new Error(
    "experiments/pendulum.ts: the pendulum preset's grid no longer matches θ ∈ [−1, 1] × θ̇ ∈ [−5, 5]",
  );
}

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:pendulum")
  .description("LRPG vs the NN baseline on the LRPG paper's pendulum, seeds in parallel on all cores")
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1), or a list with ranges like 0,3,7 or 2..5 (one seed: 3..3)",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option("--episodes <n>", "training episodes per run", intInRange("--episodes", 20, 1_000_000), EPISODES)
  .option("--out <dir>", "output folder (runs/, summary.json, report.html)", outputDir("--out"), OUT)
  .option("--threads <n>", "worker threads (default: all cores)", intInRange("--threads", 1, 256))
  .option(
    "--env <id>",
    `run LRPG (and the NN baseline for continuous actions) on another registered env with its default grid and defaults instead`,
    envOption,
    ENV_ID,
  )
  .option("--quiet", "no progress bar or table")
  .showHelpAfterError("(add --help for usage)");
addExecutionOptions(program).parse();
const execution = executionFromOptions(program);
const opts = program.opts<{
  seeds: number[];
  episodes: number;
  out: string;
  threads?: number;
  quiet?: boolean;
  env: string;
}>();

if (opts.env !== ENV_ID) {
  // --env: the same comparison on another env, every setting from that env's defaults.
  await runOnOtherEnv("pendulum", program, opts, execution, { window: WINDOW, finalWindow: FINAL_WINDOW });
  process.exit(0);
}

const common = {
  env: ENV_ID,
  episodes: opts.episodes,
  maxSteps: MAX_STEPS,
  gamma: GAMMA,
  checkpointEvery: 0,
  snapshotEvery: 0,
};
await runComparison({
  experiment: "pendulum",
  methods: [
    {
      name: "LRPG",
      paperParams: PAPER_PARAMS.lrpg,
      config: {
        ...common,
        algo: "lrpg",
        rank: LRPG_RANK,
        actorBuckets: LRPG_ACTOR_BUCKETS,
        criticBuckets: LRPG_CRITIC_BUCKETS,
        lrActor: LRPG_LR_ACTOR,
        lrCritic: LRPG_LR_CRITIC,
      },
    },
    {
      name: "NN",
      paperParams: PAPER_PARAMS.nn,
      config: { ...common, algo: "nn", hidden: NN_HIDDEN, lrActor: NN_LR_ACTOR, lrCritic: NN_LR_CRITIC },
    },
  ],
  seeds: opts.seeds,
  out: opts.out,
  threads: opts.threads,
  threshold: THRESHOLD,
  window: WINDOW,
  finalWindow: FINAL_WINDOW,
  hyperparameters: {
    env: ENV_ID,
    episodes: opts.episodes,
    max_steps: MAX_STEPS,
    gamma: GAMMA,
    lrpg: {
      rank: LRPG_RANK,
      actor_grid: "10x10 over theta in [-1,1] x theta_dot in [-5,5]",
      actor_buckets: LRPG_ACTOR_BUCKETS,
      critic_buckets: LRPG_CRITIC_BUCKETS,
      lr_actor: LRPG_LR_ACTOR,
      lr_critic: LRPG_LR_CRITIC,
      log_sigma_init: 1,
    },
    nn: { widths: [2, NN_HIDDEN, 1], lr_actor: NN_LR_ACTOR, lr_critic: NN_LR_CRITIC, log_sigma_init: 1 },
  },
  reference: REFERENCE,
  quiet: opts.quiet,
  execution,
});
