/**
 * Fast DQN sanity check on CartPole-v1: dense MLP Q-network against the same network with its
 * 64×64 hidden-to-hidden layer low-rank (rank 16, 8, 4 → ½, ¼, ⅛ of that layer's weights).
 * Hyperparameters: the learning test's (test/dqn/learning-cartpole.test.ts): MLP 64-64, Double DQN,
 * Adam 1e-3, batch 64, Polyak τ = 0.005 every update, Huber, grad-norm clip 10, 1000 random frames,
 * ε 1 → 0.05 over 10k frames; 20 greedy evaluation episodes on fixed seeds every 1000 frames.
 *
 *   npm run exp:cartpole-dqn                                    # 4 variants × 3 seeds × 20k frames
 *   npm run exp:cartpole-dqn -- --seeds 5 --frames 50000 --out /tmp/cp
 *   npm run exp:cartpole-dqn -- --resume /tmp/cp/runs/<run>        # continue an interrupted run
 *
 * Each (variant, seed) is a run of the runner's DQN lifecycle (src/runner/dqn-run.ts; the same run as
 * `lowrank-rl run --algo dqn --env CartPole-v1 --network <variant>`). Checkpoints: every
 * --checkpoint-every frames (default 50 000, so the default 20k-frame runs write none; 0 = off) under
 * <run dir>/checkpoints/; `--resume <run dir>` continues that run from the newest one with the
 * numbers of an uninterrupted run (see experiments/breakout.ts).
 *
 * Outputs in --out (default results/cartpole-dqn/): one run directory per (variant, seed) with
 * manifest.json, metrics.jsonl/.csv (charts/episodic_return, charts/SPS, losses/td_loss,
 * eval/episodic_return, spectrum/*), spectra.jsonl, eval.json, policy.json (dense: saved policy for
 * `lowrank-rl laser`); summary.json, curves.json, report.html.
 * "Solved" in the Gym sense: an evaluation averaging ≥ 195 over 20 episodes (reported per run in eval.json).
 */
import { usageExit } from "./lib/script-errors.js";
import { Command, InvalidArgumentError } from "commander";
import { intInRange, outputDir, seedList } from "./lib/args.js";
import { applyResume, runDqnExperiment } from "./lib/dqn-run.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const ENV_ID = "CartPole-v1";
const FRAMES = 20_000;
const CHECKPOINT_EVERY = 50_000;
const SEEDS = 3;
const OUT = "results/cartpole-dqn";

const HIDDEN = [64, 64]; // MLP 4 → 64 → 64 → 2 (the runner's CartPole network)
const RANKS = [16, 8, 4]; // low-rank variants of the 64×64 layer
const GAMMA = 0.99;
const BATCH_SIZE = 64;
const BUFFER_SIZE = 50_000;
const LEARNING_STARTS = 1000;
const TRAIN_FREQUENCY = 1;
const TARGET_UPDATE_INTERVAL = 1; // Polyak every update
const TAU = 0.005;
const DOUBLE_DQN = true;
const N_STEP = 1;
const LR = 1e-3; // Adam
const EPSILON_START = 1;
const EPSILON_END = 0.05;
const EPSILON_DECAY_FRAMES = 10_000;
const MAX_GRAD_NORM = 10;

const EVAL_EPISODES = 20; // seeds 1000 … 1019, greedy
const EVAL_EPSILON = 0;
const EVAL_INTERVAL = 1000;
const EVAL_MAX_STEPS = 500;
const LOG_INTERVAL = 1000;
const SPECTRUM_INTERVAL = 5000;
const RETURN_WINDOW = 20;
// ---------------------------------------------------------------------------------------------

// Variant names are the runner's network specs (`lowrank-rank16`: the 64×64 layer at rank 16).
const VARIANTS: Record<string, { family: string }> = { dense: { family: "dense" } };
for (const k of RANKS) VARIANTS[`lowrank-rank${k}`] = { family: "low-rank" };

function variantList(value: string): string[] {
  const names = value.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!(n in VARIANTS))
      throw new InvalidArgumentError(
        `--variants: unknown variant "${n}"; known: ${Object.keys(VARIANTS).join(", ")}`,
      );
  }
  return names;
}

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:cartpole-dqn")
  .description("DQN on CartPole-v1, dense vs low-rank hidden layer (fast sanity check)")
  .option(
    "--variants <list>",
    `comma-separated subset of ${Object.keys(VARIANTS).join(",")}`,
    variantList,
    Object.keys(VARIANTS),
  )
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1), or a list with ranges like 0,3,7 or 2..5 (one seed: 3..3)",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option("--frames <n>", "frames per run", intInRange("--frames", 1000, 10_000_000), FRAMES)
  .option("--out <dir>", "output folder", outputDir("--out"), OUT)
  .option(
    "--checkpoint-every <frames>",
    "frames between checkpoints under <run dir>/checkpoints/ (0 = off)",
    intInRange("--checkpoint-every", 0, 10_000_000),
    CHECKPOINT_EVERY,
  )
  .option(
    "--keep-checkpoint",
    "keep <run dir>/checkpoints/ when a run completes (to extend it later with --resume --frames); default: delete them",
  )
  .option("--resume <run dir>", "continue this run from its newest checkpoint (settings from its manifest)")
  .option("--quiet", "no progress on stderr")
  .showHelpAfterError("(add --help for usage)");
program.parse();
const opts = program.opts<{
  variants: string[];
  seeds: number[];
  frames: number;
  out: string;
  checkpointEvery: number;
  keepCheckpoint?: boolean;
  resume?: string;
  quiet?: boolean;
}>();
applyResume(program, "cartpole-dqn", ["--variants", "--seeds", "--out"], opts, Object.keys(VARIANTS));

runDqnExperiment({
  experiment: "cartpole-dqn",
  variants: opts.variants.map((name) => ({ name, family: VARIANTS[name].family })),
  seeds: opts.seeds,
  config: {
    algo: "dqn",
    env: ENV_ID,
    totalSteps: opts.frames,
    precision: "f64",
    gamma: GAMMA,
    lr: LR,
    optimizer: "adam",
    batchSize: BATCH_SIZE,
    bufferSize: BUFFER_SIZE,
    learningStarts: LEARNING_STARTS,
    trainFrequency: TRAIN_FREQUENCY,
    targetUpdate: TARGET_UPDATE_INTERVAL === 1 ? `polyak:${TAU}` : `hard:${TARGET_UPDATE_INTERVAL}`,
    double: DOUBLE_DQN,
    nStep: N_STEP,
    loss: "huber",
    maxGradNorm: MAX_GRAD_NORM,
    epsilonStart: EPSILON_START,
    epsilonEnd: EPSILON_END,
    epsilonDecaySteps: EPSILON_DECAY_FRAMES,
    evalEvery: EVAL_INTERVAL,
    evalEpisodes: EVAL_EPISODES,
    evalEpsilon: EVAL_EPSILON,
    evalMaxSteps: EVAL_MAX_STEPS,
    logEvery: LOG_INTERVAL,
    spectrumEvery: SPECTRUM_INTERVAL,
    returnWindow: RETURN_WINDOW,
    checkpointEvery: opts.checkpointEvery,
    keepCheckpoints: 1,
  },
  out: opts.out,
  hyperparameters: {
    env: ENV_ID,
    hidden: HIDDEN,
    ranks: RANKS,
    eval: { episodes: EVAL_EPISODES, epsilon: EVAL_EPSILON, interval: EVAL_INTERVAL },
    return_window: RETURN_WINDOW,
  },
  reference: { solved: "20-episode average >= 195 (Gym CartPole-v0 threshold), max 500 in v1" },
  quiet: opts.quiet,
  keepCheckpoint: opts.keepCheckpoint === true,
  resume: opts.resume,
});
