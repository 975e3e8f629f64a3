/**
 * The tensor-low-rank policy-gradient paper's pendulum (continuous torque): actor-critic
 * "REINFORCE" (GAE), PPO and TRPO, each with the CP/PARAFAC tensor policy, the tanh NN and the
 * RBF baseline (docs/trpo.md §9).
 *
 *   npm run exp:tensor-pendulum                                   # 10 seeds, every algo × model
 *   npm run exp:tensor-pendulum -- --algo trpo --seeds 3 --episodes 250 --out /tmp/tp
 *
 * Writes <out>/summary.json, <out>/report.md and <out>/report.html (median + IQR learning curves). Measure: episodes until the trailing
 * 10-episode mean training return reaches −1 000 (1 000-step episodes).
 */
import { usageExit } from "./lib/script-errors.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { makeEnv } from "../src/envs/registry.js";
import { Rng } from "../src/random/rng.js";
import { intInRange, listOf, oneOf, outputDir, seedList } from "./lib/args.js";
import { episodesToReach, trainBatches, type Protocol } from "./lib/batch-train.js";
import { censoredSpread } from "./lib/censored-spread.js";
import { writeCurvesReport, type CurvePanel } from "./lib/curves-report.js";
import {
  buildModel,
  tensorPgRule,
  tensorPgModelSpec,
  type TensorPgAlgo,
  type TensorPgModel,
  type TensorPgModelHyper,
  type TensorPgRuleHyper,
} from "./lib/tensor-models.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const ENV_ID = "Pendulum-v1";
const GRAVITY = 9.81; // gym.make("Pendulum-v1", g=9.81)
const MAX_STEPS = 1000; // steps per episode (the reference's trainer ignores the 200-step limit)
const UPDATE_EVERY = 10_000; // transitions per update = 10 whole episodes
const GAMMA = 0.9;
const TAU = 0.9; // GAE λ
const SEEDS = 10;
const EPISODES = { reinforce: 2000, ppo: 1000, trpo: 500 }; // the reference's lengths
const OUT = "results/tensor-pendulum";
const PROTOCOL: Protocol = "clean"; // "reference": cut episodes stored as terminated (no bootstrap)

// REINFORCE (actor-critic with GAE, standardized advantages) and PPO: Adam on the actor, L-BFGS critic
const LR_ACTOR = 1e-3;
const EPOCHS = 10; // full-batch actor epochs per update
const PPO_CLIP = 0.3;
// TRPO
const MAX_KL = 0.01;
const DAMPING = 1e-3;
const CG_ITERATIONS = 5;
const CG_TOLERANCE = 1e-10;

// Models (state [cos θ, sin θ, θ̇])
const TENSOR_GRID = { low: [-1, -1, -5], high: [1, 1, 5], buckets: 10 }; // 10×10×10, both ends included
const TENSOR_GRID_TRPO = { low: [-1, -1, -5], high: [1, 1, 10], buckets: 10 }; // the reference's TRPO run: θ̇ max 10
const TENSOR_RANK = 5;
const TENSOR_ACTOR_SCALE = 0.1; // factors ~ 0.1·N(0, 1)
const TENSOR_CRITIC_SCALE = 1.0;
const TENSOR_LOG_SIGMA_CLAMP: [number, number] = [-2.5, 0];
const TENSOR_SIGMA_RANK = 2; // "tensor-sigma": σ(s) = exp(z_σ(s)), z_σ a rank-2 CP tensor on the actor grid
const NN_HIDDEN = 64; // 3-64-1 tanh, action/value layer init ×0.1 (bias ×0)
const RBF_FEATURES = 300;
const BASELINE_LOG_SIGMA_CLAMP: [number, number] = [-2, 0];
// Measures
const THRESHOLD = -1000;
const WINDOW = 10;
const FINAL_WINDOW = 10;
// ---------------------------------------------------------------------------------------------

type Algo = TensorPgAlgo;
const ALGOS: Algo[] = ["reinforce", "ppo", "trpo"];
type Model = TensorPgModel;
const MODELS: Model[] = ["tensor", "nn", "rbf", "tensor-sigma"];

const MODEL_HYPER: TensorPgModelHyper = {
  tensorGrid: TENSOR_GRID,
  tensorGridTrpo: TENSOR_GRID_TRPO,
  tensorRank: TENSOR_RANK,
  tensorActorScale: TENSOR_ACTOR_SCALE,
  tensorCriticScale: TENSOR_CRITIC_SCALE,
  tensorLogSigmaClamp: TENSOR_LOG_SIGMA_CLAMP,
  tensorSigmaRank: TENSOR_SIGMA_RANK,
  nnHidden: NN_HIDDEN,
  rbfFeatures: RBF_FEATURES,
  baselineLogSigmaClamp: BASELINE_LOG_SIGMA_CLAMP,
};

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:tensor-pendulum")
  .description("REINFORCE/PPO/TRPO × CP tensor / NN / RBF on the tensor-low-rank pendulum")
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1) or a list like 0,3,7 or 2..5",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option(
    "--episodes <n>",
    "episodes per run (default: the reference's, 2000/1000/500)",
    intInRange("--episodes", 10, 1_000_000),
  )
  .option("--algo <list>", "algorithms: reinforce,ppo,trpo", listOf("--algo", ALGOS), ALGOS)
  .option(
    "--model <list>",
    "models: tensor,nn,rbf,tensor-sigma (CP mean with a CP σ(s))",
    listOf("--model", MODELS),
    MODELS,
  )
  .option(
    "--protocol <p>",
    "clean (bootstrap at the 1 000-step cut) or reference (cut stored as terminal)",
    oneOf("--protocol", ["clean", "reference"] as const),
    PROTOCOL,
  )
  .option("--out <dir>", "output folder (summary.json, report.md)", outputDir("--out"), OUT)
  .option(
    "--stop-at-threshold",
    "end each run once its trailing mean reaches the threshold (episodes to threshold unchanged; no final return)",
  )
  .option("--quiet", "no per-run lines")
  .showHelpAfterError("(add --help for usage)")
  .parse();
const opts = program.opts<{
  seeds: number[];
  episodes?: number;
  algo: Algo[];
  model: Model[];
  protocol: Protocol;
  out: string;
  stopAtThreshold?: boolean;
  quiet?: boolean;
}>();

const RULE_HYPER: TensorPgRuleHyper = {
  gamma: GAMMA,
  tau: TAU,
  epochs: EPOCHS,
  ppoClip: PPO_CLIP,
  trpo: { maxKl: MAX_KL, damping: DAMPING, cgIterations: CG_ITERATIONS, cgTolerance: CG_TOLERANCE },
};

interface RunRecord {
  seed: number;
  returns: number[];
  episodesToThreshold: number | null;
  finalMean: number;
  stepsPerCpuSecond: number;
}

const summary: Record<string, unknown>[] = [];
const hyperparameters = {
  env: ENV_ID,
  g: GRAVITY,
  max_steps: MAX_STEPS,
  update_every: UPDATE_EVERY,
  gamma: GAMMA,
  tau: TAU,
  protocol: opts.protocol,
  lr_actor: LR_ACTOR,
  epochs: EPOCHS,
  ppo_clip: PPO_CLIP,
  trpo: { max_kl: MAX_KL, damping: DAMPING, cg_iterations: CG_ITERATIONS, cg_tolerance: CG_TOLERANCE },
  critic: "L-BFGS lr 1, 25 iterations, history 100, strong Wolfe",
  tensor: {
    grid: TENSOR_GRID,
    grid_trpo: TENSOR_GRID_TRPO,
    rank: TENSOR_RANK,
    actor_scale: TENSOR_ACTOR_SCALE,
    critic_scale: TENSOR_CRITIC_SCALE,
    log_sigma_clamp: TENSOR_LOG_SIGMA_CLAMP,
    sigma_rank_tensor_sigma: TENSOR_SIGMA_RANK,
  },
  nn: { widths: [3, NN_HIDDEN, 1], activation: "tanh", log_sigma_clamp: BASELINE_LOG_SIGMA_CLAMP },
  rbf: { features: RBF_FEATURES, log_sigma_clamp: BASELINE_LOG_SIGMA_CLAMP },
  threshold: THRESHOLD,
  window: WINDOW,
  stop_at_threshold: Boolean(opts.stopAtThreshold),
};
/** summary.json, rewritten after every algo × model so that a long run's finished parts are kept. */
const writeSummary = (): void =>
  writeFileSync(
    join(opts.out, "summary.json"),
    JSON.stringify({ experiment: "tensor-pendulum", hyperparameters, methods: summary }, null, 1) + "\n",
  );

const panels = new Map<Algo, CurvePanel>();
mkdirSync(opts.out, { recursive: true });
for (const algo of opts.algo) {
  for (const kind of opts.model) {
    const episodes = opts.episodes ?? EPISODES[algo];
    const runs: RunRecord[] = [];
    let params = { actor: 0, critic: 0 };
    for (const seed of opts.seeds) {
      const rng = new Rng(seed);
      const model = buildModel(tensorPgModelSpec(kind, algo, MODEL_HYPER), 3, rng, LR_ACTOR, LR_ACTOR);
      params = model.params;
      const rule = tensorPgRule(algo, model, opts.protocol, RULE_HYPER);
      const env = makeEnv(ENV_ID, { g: GRAVITY, maxEpisodeSteps: MAX_STEPS, rng: rng.fork() });
      const r = trainBatches({
        env,
        actor: model.actor,
        head: model.head,
        rule,
        rng,
        episodes,
        maxSteps: MAX_STEPS,
        updateEvery: UPDATE_EVERY,
        protocol: opts.protocol,
        envSeed: seed,
        stopWhen: opts.stopAtThreshold
          ? (returns) => episodesToReach(returns, THRESHOLD, WINDOW) !== null
          : undefined,
      });
      const tail = r.returns.slice(-FINAL_WINDOW);
      const reached = episodesToReach(r.returns, THRESHOLD, WINDOW);
      const rec: RunRecord = {
        seed,
        returns: r.returns,
        episodesToThreshold: reached,
        // a run stopped at the threshold has no final return
        finalMean:
          opts.stopAtThreshold && reached !== null ? NaN : tail.reduce((a, b) => a + b, 0) / tail.length,
        stepsPerCpuSecond: r.steps / r.cpuSeconds,
      };
      runs.push(rec);
      if (!opts.quiet)
        console.log(
          `${algo}/${kind} seed ${seed}: episodes to ${THRESHOLD} = ${rec.episodesToThreshold ?? `>${episodes}`}, final ${Number.isNaN(rec.finalMean) ? "n/a (stopped)" : rec.finalMean.toFixed(0)}, ${Math.round(rec.stepsPerCpuSecond)} steps/CPU-s`,
        );
    }
    if (!panels.has(algo))
      panels.set(algo, { id: `curves-${algo}`, title: `${algo}: training return per episode`, methods: [] });
    panels.get(algo)!.methods.push({ name: kind, curves: runs.map((r) => r.returns) });
    const reached = runs.map((r) => r.episodesToThreshold);
    const spread = censoredSpread(reached);
    const finals = runs.map((r) => r.finalMean);
    summary.push({
      name: `${algo}/${kind}`,
      algo,
      model: kind,
      params: params.actor + params.critic,
      params_actor_mean: params.actor,
      params_critic: params.critic,
      episodes,
      seeds: opts.seeds,
      episodes_to_threshold: reached,
      median_episodes_to_threshold: spread.median,
      iqr_episodes_to_threshold: [spread.q25, spread.q75],
      reached: reached.filter((x) => x !== null).length,
      final_mean_return: finals.reduce((a, b) => a + b, 0) / finals.length,
      final_mean_return_per_seed: finals,
      steps_per_cpu_second: runs.map((r) => Math.round(r.stepsPerCpuSecond)),
      returns_per_seed: runs.map((r) => r.returns.map((x) => Math.round(x * 10) / 10)),
    });
    writeSummary();
  }
}

const lines = [
  "# tensor-pendulum",
  "",
  `Protocol ${opts.protocol}; seeds ${opts.seeds.join(", ")}; threshold: trailing ${WINDOW}-episode mean ≥ ${THRESHOLD}.`,
  "",
  "| algo/model | params (actor mean + critic) | episodes to threshold per seed | median [IQR] | final mean return | steps/CPU-s |",
  "|---|---:|---|---:|---:|---:|",
  ...summary.map((m) => {
    const per = (m.episodes_to_threshold as (number | null)[]).map((x) => x ?? `>${m.episodes}`).join(", ");
    const iqr = m.iqr_episodes_to_threshold as (number | null)[];
    const sps = m.steps_per_cpu_second as number[];
    return `| ${m.name} | ${m.params} | ${per} | ${m.median_episodes_to_threshold ?? "n/a"} [${iqr[0] ?? "n/a"}, ${iqr[1] ?? "n/a"}] | ${Number.isFinite(m.final_mean_return) ? (m.final_mean_return as number).toFixed(0) : "n/a"} | ${sps.length ? Math.round(sps.reduce((a, b) => a + b, 0) / sps.length) : "n/a"} |`;
  }),
  "",
];
writeFileSync(join(opts.out, "report.md"), lines.join("\n"));
writeCurvesReport(
  opts.out,
  "tensor-pendulum: REINFORCE / PPO / TRPO × CP tensor / NN / RBF",
  [
    `Protocol ${opts.protocol}, seeds ${opts.seeds.join(", ")}. Per-episode median training return over seeds, band 25–75 %.`,
    ...lines.slice(4, -1),
  ],
  [...panels.values()],
);
console.log(lines.join("\n"));
