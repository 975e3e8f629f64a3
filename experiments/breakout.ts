/**
 * MinAtar Breakout DQN with the hidden layer as Dense / LowRankDense / Tucker TRL at ½, ⅕, ⅒ of the
 * dense parameters, and a CP-factorized conv (docs/dqn.md §7); and the data-efficient-Rainbow-style
 * agent without NoisyNets ("Denoised": prioritized replay, dueling C51, Double, 3-step, Adam;
 * docs/dqn.md §13) on the dense hidden layer and TRL at ⅕ and ⅒ (variants rainbow-<network>); and the TRL
 * paper's two further changes (docs/dqn.md §15): K-FAC instead of RMSProp (variants kfac-<network>),
 * the fixed scattering transform instead of the conv (<network>-scattering), and both
 * (kfac-<network>-scattering), for the dense, low-rank and TRL networks.
 * Network (MinAtar examples/dqn.py): (10,10,4) → conv 16 3×3 → ReLU → hidden 128 → ReLU → 6 actions.
 * Hyperparameters: MinAtar's DQN (centered RMSProp 2.5e-4 α .95 ε .01, batch 32, buffer 100k, 5k random
 * frames, ε 1 → 0.1 over 100k frames, hard target copy every 1000 updates, Huber, γ .99, one update
 * per frame, sticky actions 0.1, full action set).
 *
 *   npm run exp:breakout                                        # default: the 8 DQN variants × 1 seed × 100k frames, one core:
 *                                                               # ≈ 27 min at the bench/suites/dqn.ts rates (dense ≈ 450,
 *                                                               # TRL ⅒ ≈ 830, low-rank ⅒ ≈ 1070, CP conv ≈ 190 frames/s)
 *   npm run exp:breakout -- --variants dense,trl-0.2 --seeds 2 --frames 300000
 *   npm run exp:breakout -- --variants dense,rainbow-dense,rainbow-trl-0.2 --seeds 2 --frames 50000
 *   npm run exp:breakout -- --frames 5000000 --seeds 3           # the published 5M-frame budget
 *   npm run exp:breakout -- --variants dense,kfac-dense,kfac-trl-0.2,kfac-trl-0.1,trl-0.2-scattering,kfac-trl-0.2-scattering
 *   npm run exp:breakout -- --resume results/breakout/runs/<run>   # continue an interrupted run from its checkpoint
 *
 * Each (variant, seed) is a run of the runner's DQN lifecycle (src/runner/dqn-run.ts; the same run as
 * `lowrank-rl run --algo dqn --env MinAtar/Breakout --network <variant>`).
 * Checkpoints: every --checkpoint-every frames (default 50 000; 0 = off) each run writes
 * <run dir>/checkpoints/ckpt-<frame>.bin atomically, keeping the newest (≈ 80 MB: the
 * 100k-transition uint8 replay buffer dominates).
 * `--resume <run dir>` reloads it and continues that one run (variant, seed, precision and budget
 * from its manifest; --frames may raise the budget): metric rows after the checkpoint are cut, and
 * the numbers are those of an uninterrupted run. A completed run deletes its checkpoints unless
 * --keep-checkpoint is given (then `--resume <run> --frames <more>` extends it).
 *
 * Outputs in --out (default results/breakout/): runs/<env>__dqn-<variant>__<seed>__<time>/ with
 * manifest.json, metrics.jsonl/.csv (charts/episodic_return, charts/SPS, losses/td_loss,
 * eval/episodic_return, spectrum/*), spectra.jsonl (singular values of the dense hidden layer),
 * eval.json, policy.json (dense variant: the trained Q-network as a saved policy for `lowrank-rl laser`);
 * summary.json, curves.json and report.html at the top.
 * Reference (docs/dqn.md §8, PyTorch, 2 seeds): last-100 training average 3.2–3.6 at 100k
 * frames, 5.3–6.5 at 300k; the published curve reaches ≈ 10 by 1M frames.
 */
import { usageExit } from "./lib/script-errors.js";
import { Command, InvalidArgumentError } from "commander";
import type { MatmulPrecision } from "../src/factor/gemm.js";
import { intInRange, outputDir, seedList } from "./lib/args.js";
import type { DqnRunConfig } from "../src/runner/dqn-config.js";
import { applyResume, runDqnExperiment, type DqnVariant } from "./lib/dqn-run.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const ENV_ID = "MinAtar/Breakout"; // sticky actions 0.1, all 6 actions (the runner's MinAtar env)
const FRAMES = 100_000; // default budget (ε reaches 0.1 at 105k; the reference's 100k checkpoint); MinAtar trains 5M
const SEEDS = 1;
const CHECKPOINT_EVERY = 50_000; // frames; ≈ 1 s per 80 MB checkpoint vs ≈ 5–8 min of training
const OUT = "results/breakout";

const GAMMA = 0.99;
const BATCH_SIZE = 32;
const BUFFER_SIZE = 100_000;
const LEARNING_STARTS = 5000; // frames of uniform random play
const TRAIN_FREQUENCY = 1; // one update per frame
const TARGET_UPDATE_INTERVAL = 1000; // updates between hard target copies
const TAU = 1;
const DOUBLE_DQN = false;
const N_STEP = 1;
const LR = 2.5e-4; // centered RMSProp, α 0.95, ε 0.01
const RMS_ALPHA = 0.95;
const RMS_EPS = 0.01;
const EPSILON_START = 1;
const EPSILON_END = 0.1;
const EPSILON_DECAY_FRAMES = 100_000;
const MAX_GRAD_NORM: number | null = null;

// The Rainbow-style variants (the runner's `--preset rainbow-denoised`, written out here): these
// replace the DQN block above for the rainbow-<network> variants.
const RAINBOW = {
  preset: "rainbow-denoised",
  replay: "prioritized", // proportional, α 0.5, β 0.4 → 1 over the run, p = |δ| + 1e-6
  priorityAlpha: 0.5,
  priorityBeta: 0.4,
  head: "dueling-c51", // 51 atoms on [−10, 10]
  atoms: 51,
  vMin: -10,
  vMax: 10,
  double: true,
  nStep: 3, // data-efficient Rainbow's 20 is for frame-skip-4 Atari; MinAtar (no skip) uses 3
  optimizer: "adam",
  lr: 1e-4,
  adamEps: 1.5e-4,
  maxGradNorm: 10,
  learningStarts: 1600,
  targetUpdate: "hard:2000", // updates between target copies
  trainFrequency: 1,
  epsilonEnd: 0.01, // ε-greedy replaces the noisy layers
  epsilonDecaySteps: 20_000,
} as const;
const RAINBOW_NETWORKS = ["dense", "trl-0.2", "trl-0.1"];

// K-FAC (the kfac-<network> variants; docs/kfac.md §10): these replace the RMSProp settings above.
// ACKTR's damping, factor decay, inverse interval and momentum (src/actorcritic), Kfac's KL clip;
// the step size is the one that learns CartPole-v1 faster than Adam (docs/dqn.md §15).
const KFAC = {
  optimizer: "kfac",
  lr: 0.1, // the largest step η; the KL clip shortens it
  kfacDamping: 0.01, // Tikhonov damping λ
  kfacStatDecay: 0.95, // running average of the Kronecker factors
  kfacInverseEvery: 10, // updates between refreshes of the damped inverses
  kfacKlClip: 0.001, // trust region δ: ½ mean ΔQ(s, a)² ≤ δ per update
  kfacMomentum: 0,
} as const;
// The <network>-scattering variants: the conv → ReLU replaced by an order-1 Morlet scattering
// (J = 1, L = 4: (10,10,4) → (20, 5, 5), no weights; docs/scattering.md).
const SCATTERING = { scattering: true } as const;

// Matrix products in float32 (operands and sums), as PyTorch trains the reference; parameters,
// gradients and optimizer state stay float64. '--precision f64' computes everything in double.
const MATMUL_PRECISION: MatmulPrecision = "f32";

// Network (the runner's MinAtar Q-network): conv 16 3×3 → hidden 128 → 6 actions.
const FRACTIONS = [0.5, 0.2, 0.1]; // ½, ⅕, ⅒ of the dense hidden layer's parameters
// cpconv: the CP conv keeps ½ of the 4→16 3×3 kernel (rank 11; CP_CONV_FRACTION in src/runner/dqn-config.ts)

const EVAL_EPISODES = 30; // eval seeds 1_000_000 … (fixed), ε_eval
const EVAL_EPSILON = 0.05;
const EVAL_INTERVAL = 25_000;
const EVAL_MAX_STEPS = 20_000;
const LOG_INTERVAL = 5000;
const SPECTRUM_INTERVAL = 10_000;
const RETURN_WINDOW = 100;
const REFERENCE = {
  source: "docs/dqn.md §8 (MinAtar examples/dqn.py, PyTorch, seeds 0 and 1)",
  last100_at_100k: [3.59, 3.19],
  last100_at_300k: [5.26, 6.51],
  published_plateau: "≈ 10 by 1M frames (README curves, 30 runs)",
  random_policy: 0.5,
};
// ---------------------------------------------------------------------------------------------

// Variant names are the runner's network specs (`trl-0.1`: Tucker TRL hidden layer at ⅒ of the dense parameters).
const VARIANTS: Record<string, DqnVariant> = {
  dense: { name: "dense", family: "dense" },
};
for (const f of FRACTIONS) {
  VARIANTS[`lowrank-${f}`] = { name: `lowrank-${f}`, family: "low-rank" };
  VARIANTS[`trl-${f}`] = { name: `trl-${f}`, family: "TRL" };
}
// K-FAC and scattering apply to the networks above (a CP conv has no Kronecker block, and
// scattering replaces the conv, so cpconv gets neither).
const FACTOR_NETWORKS = Object.keys(VARIANTS);
VARIANTS["cpconv"] = { name: "cpconv", family: "CP conv" };
const DQN_VARIANTS = Object.keys(VARIANTS);
for (const network of RAINBOW_NETWORKS)
  VARIANTS[`rainbow-${network}`] = {
    name: `rainbow-${network}`,
    family: network === "dense" ? "Rainbow dense" : "Rainbow TRL",
    network,
    config: RAINBOW,
  };
for (const network of FACTOR_NETWORKS) {
  const family = VARIANTS[network].family;
  VARIANTS[`kfac-${network}`] = { name: `kfac-${network}`, family: `K-FAC ${family}`, network, config: KFAC };
  VARIANTS[`${network}-scattering`] = {
    name: `${network}-scattering`,
    family: `${family} + scattering`,
    network,
    config: SCATTERING,
  };
  VARIANTS[`kfac-${network}-scattering`] = {
    name: `kfac-${network}-scattering`,
    family: `K-FAC ${family} + scattering`,
    network,
    config: { ...KFAC, ...SCATTERING },
  };
}

/** The variant name of a run's config (the inverse of VARIANTS, for --resume). */
function variantOf(c: DqnRunConfig): string {
  if (c.preset === "rainbow-denoised") return `rainbow-${c.network}`;
  const kfac = c.optimizer === "kfac" ? "kfac-" : "";
  return `${kfac}${c.network}${c.scattering ? "-scattering" : ""}`;
}

function precisionArg(value: string): MatmulPrecision {
  if (value !== "f32" && value !== "f64")
    throw new InvalidArgumentError(`--precision must be f32 or f64; got "${value}"`);
  return value;
}

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
  .name("exp:breakout")
  .description(
    "DQN on MinAtar Breakout: dense vs low-rank vs TRL hidden layer, CP conv; one core, sequential runs",
  )
  .option(
    "--variants <list>",
    `comma-separated subset of ${Object.keys(VARIANTS).join(",")}`,
    variantList,
    DQN_VARIANTS,
  )
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1), or a list with ranges like 0,3,7 or 2..5 (one seed: 3..3)",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option("--frames <n>", "frames per run", intInRange("--frames", 1000, 50_000_000), FRAMES)
  .option("--out <dir>", "output folder", outputDir("--out"), OUT)
  .option("--precision <f32|f64>", "arithmetic of the matrix products", precisionArg, MATMUL_PRECISION)
  .option(
    "--checkpoint-every <frames>",
    "frames between checkpoints under <run dir>/checkpoints/ (0 = off)",
    intInRange("--checkpoint-every", 0, 50_000_000),
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
  precision: MatmulPrecision;
  checkpointEvery: number;
  keepCheckpoint?: boolean;
  resume?: string;
  quiet?: boolean;
}>();
applyResume(
  program,
  "breakout",
  ["--variants", "--seeds", "--out", "--precision"],
  opts,
  Object.keys(VARIANTS),
  (c) => {
    opts.precision = c.precision;
  },
  variantOf,
);

runDqnExperiment({
  experiment: "breakout",
  variants: opts.variants.map((name) => VARIANTS[name]),
  seeds: opts.seeds,
  config: {
    algo: "dqn",
    env: ENV_ID,
    totalSteps: opts.frames,
    precision: opts.precision,
    gamma: GAMMA,
    lr: LR,
    optimizer: "rmsprop", // centered, α RMS_ALPHA, ε RMS_EPS (the runner's rmsprop)
    batchSize: BATCH_SIZE,
    bufferSize: BUFFER_SIZE,
    learningStarts: LEARNING_STARTS,
    trainFrequency: TRAIN_FREQUENCY,
    targetUpdate: TAU === 1 ? `hard:${TARGET_UPDATE_INTERVAL}` : `polyak:${TAU}`,
    double: DOUBLE_DQN,
    nStep: N_STEP,
    loss: "huber",
    maxGradNorm: MAX_GRAD_NORM,
    epsilonStart: EPSILON_START,
    epsilonEnd: EPSILON_END,
    epsilonDecaySteps: EPSILON_DECAY_FRAMES,
    evalEvery: Math.min(EVAL_INTERVAL, opts.frames),
    evalEpisodes: EVAL_EPISODES,
    evalEpsilon: EVAL_EPSILON,
    evalMaxSteps: EVAL_MAX_STEPS,
    logEvery: Math.min(LOG_INTERVAL, opts.frames),
    spectrumEvery: SPECTRUM_INTERVAL,
    returnWindow: RETURN_WINDOW,
    checkpointEvery: opts.checkpointEvery,
    keepCheckpoints: 1,
  },
  out: opts.out,
  hyperparameters: {
    env: ENV_ID,
    network: "conv 16 3x3 -> 128 -> 6",
    fractions: FRACTIONS,
    matmul_precision: opts.precision,
    rmsprop: { alpha: RMS_ALPHA, eps: RMS_EPS, centered: true },
    eval: {
      episodes: EVAL_EPISODES,
      epsilon: EVAL_EPSILON,
      interval: EVAL_INTERVAL,
      max_steps: EVAL_MAX_STEPS,
    },
    return_window: RETURN_WINDOW,
    rainbow_variants: RAINBOW,
    kfac_variants: KFAC,
    scattering_variants: { ...SCATTERING, J: 1, L: 4 },
  },
  reference: REFERENCE,
  quiet: opts.quiet,
  keepCheckpoint: opts.keepCheckpoint === true,
  resume: opts.resume,
});
