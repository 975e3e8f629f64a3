/**
 * The matrix-low-rank-trpo pendulum (CAMSAP 2023): TRPO with a rank-4 matrix policy μ(s) = [L Rᵀ]
 * on a 16×16 grid over (θ, θ̇) — the 2-mode case of the CP tensor, U₀ = L, U₁ = R — against a
 * tanh NN, on the balancing pendulum (docs/trpo.md §9).
 *
 *   npm run exp:trpo-pendulum                                     # 10 seeds × 2000 episodes
 *   npm run exp:trpo-pendulum -- --seeds 3 --episodes 400 --out /tmp/mt
 *
 * Writes <out>/summary.json, <out>/report.md and <out>/report.html (median + IQR learning curves). Measure: episodes until the trailing 10-episode
 * mean training return reaches −100 (the pendulum is balanced; the optimum is ≈ 0).
 */
import { usageExit } from "./lib/script-errors.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { TrpoRule } from "../src/pg/trpo-rule.js";
import { Rng } from "../src/random/rng.js";
import { intInRange, listOf, oneOf, outputDir, seedList } from "./lib/args.js";
import { BalancingPendulum } from "./lib/balancing-pendulum.js";
import { episodesToReach, trainBatches, type Protocol } from "./lib/batch-train.js";
import { censoredSpread } from "./lib/censored-spread.js";
import { writeCurvesReport } from "./lib/curves-report.js";
import { buildModel, type ModelSpec } from "./lib/tensor-models.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const EPISODES = 2000;
const MAX_STEPS = 1000;
const UPDATE_EVERY = 15_000; // transitions per update = 15 whole episodes
const GAMMA = 0.99;
const TAU = 0.9; // GAE λ
const MAX_KL = 0.05;
const DAMPING = 0.1;
const CG_ITERATIONS = 10;
const CG_TOLERANCE = 1e-10;
const SEEDS = 10;
const OUT = "results/trpo-pendulum";
const PROTOCOL: Protocol = "clean";
// Low-rank matrix policy and critic: 16×16 grid, rows θ ∈ [−1, 1], columns θ̇ ∈ [−5, 5], rank 4, factors ~ N(0, 1)
const GRID = { low: [-1, -5], high: [1, 5], buckets: 16 };
const RANK = 4;
const LR_SCALE = 1.0;
const LOG_SIGMA_CLAMP: [number, number] = [-2.5, 0];
// NN baseline: one tanh hidden layer (the reference's 2-16-16-1 has two; ScalarMlp has one), output init ×0.1
const NN_HIDDEN = 64;
const NN_LOG_SIGMA_CLAMP: [number, number] = [-2.5, 0]; // the matrix reference clamps every model at max 0
// Measures
const THRESHOLD = -100;
const WINDOW = 10;
const FINAL_WINDOW = 10;
// ---------------------------------------------------------------------------------------------

type Kind = "lowrank" | "nn";
const KINDS: Kind[] = ["lowrank", "nn"];
const spec = (k: Kind): ModelSpec =>
  k === "lowrank"
    ? {
        kind: "tensor",
        actorGrid: GRID,
        criticGrid: GRID,
        rank: RANK,
        actorScale: LR_SCALE,
        criticScale: LR_SCALE,
        logSigmaClamp: LOG_SIGMA_CLAMP,
      }
    : { kind: "nn", hidden: NN_HIDDEN, outputScale: [0.1, 0], logSigmaClamp: NN_LOG_SIGMA_CLAMP };

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:trpo-pendulum")
  .description("TRPO with a rank-4 low-rank matrix policy vs a tanh NN on the balancing pendulum")
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1) or a list like 0,3,7 or 2..5",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option("--episodes <n>", "episodes per run", intInRange("--episodes", 15, 1_000_000), EPISODES)
  .option("--algo <list>", "models: lowrank,nn (TRPO is the only algorithm)", listOf("--algo", KINDS), KINDS)
  .option(
    "--protocol <p>",
    "clean (bootstrap at the cut) or reference (cut stored as terminal)",
    oneOf("--protocol", ["clean", "reference"] as const),
    PROTOCOL,
  )
  .option("--out <dir>", "output folder (summary.json, report.md)", outputDir("--out"), OUT)
  .option("--quiet", "no per-run lines")
  .showHelpAfterError("(add --help for usage)")
  .parse();
const opts = program.opts<{
  seeds: number[];
  episodes: number;
  algo: Kind[];
  protocol: Protocol;
  out: string;
  quiet?: boolean;
}>();

const methods: Record<string, unknown>[] = [];
const curves: { name: string; curves: number[][] }[] = [];
mkdirSync(opts.out, { recursive: true });
for (const kind of opts.algo) {
  const reached: (number | null)[] = [];
  const finals: number[] = [];
  const sps: number[] = [];
  const returns: number[][] = [];
  let params = { actor: 0, critic: 0 };
  for (const seed of opts.seeds) {
    const rng = new Rng(seed);
    const model = buildModel(spec(kind), 2, rng, 1e-3, 1e-3);
    params = model.params;
    const rule = new TrpoRule(model.parts, GAMMA, {
      tau: TAU,
      maxKl: MAX_KL,
      damping: DAMPING,
      cgIterations: CG_ITERATIONS,
      cgTolerance: CG_TOLERANCE,
    });
    const r = trainBatches({
      env: new BalancingPendulum(seed),
      actor: model.actor,
      head: model.head,
      rule,
      rng,
      episodes: opts.episodes,
      maxSteps: MAX_STEPS,
      updateEvery: UPDATE_EVERY,
      protocol: opts.protocol,
      envSeed: seed,
    });
    const n = episodesToReach(r.returns, THRESHOLD, WINDOW);
    const tail = r.returns.slice(-FINAL_WINDOW);
    const fin = tail.reduce((a, b) => a + b, 0) / tail.length;
    reached.push(n);
    returns.push(r.returns);
    finals.push(fin);
    sps.push(Math.round(r.steps / r.cpuSeconds));
    if (!opts.quiet)
      console.log(
        `trpo/${kind} seed ${seed}: episodes to ${THRESHOLD} = ${n ?? `>${opts.episodes}`}, final ${fin.toFixed(0)}, ${sps[sps.length - 1]} steps/CPU-s`,
      );
  }
  curves.push({ name: kind, curves: returns });
  const spread = censoredSpread(reached);
  methods.push({
    name: `trpo/${kind}`,
    params: params.actor + params.critic,
    params_actor_mean: params.actor,
    params_critic: params.critic,
    episodes: opts.episodes,
    seeds: opts.seeds,
    episodes_to_threshold: reached,
    median_episodes_to_threshold: spread.median,
    iqr_episodes_to_threshold: [spread.q25, spread.q75],
    reached: reached.filter((x) => x !== null).length,
    final_mean_return: finals.reduce((a, b) => a + b, 0) / finals.length,
    final_mean_return_per_seed: finals,
    steps_per_cpu_second: sps,
  });
}
const hyperparameters = {
  env: "balancing pendulum (Pendulum-v1 physics, g = 10, start θ, θ̇ ~ U(0, 0.01), observation [θ, θ̇])",
  episodes: opts.episodes,
  max_steps: MAX_STEPS,
  update_every: UPDATE_EVERY,
  gamma: GAMMA,
  tau: TAU,
  protocol: opts.protocol,
  trpo: { max_kl: MAX_KL, damping: DAMPING, cg_iterations: CG_ITERATIONS, cg_tolerance: CG_TOLERANCE },
  lowrank: { grid: GRID, rank: RANK, scale: LR_SCALE, log_sigma_clamp: LOG_SIGMA_CLAMP },
  nn: { widths: [2, NN_HIDDEN, 1], activation: "tanh", log_sigma_clamp: NN_LOG_SIGMA_CLAMP },
  threshold: THRESHOLD,
  window: WINDOW,
};
writeFileSync(
  join(opts.out, "summary.json"),
  JSON.stringify({ experiment: "trpo-pendulum", hyperparameters, methods }, null, 1) + "\n",
);
const lines = [
  "# trpo-pendulum",
  "",
  `Protocol ${opts.protocol}; seeds ${opts.seeds.join(", ")}; threshold: trailing ${WINDOW}-episode mean ≥ ${THRESHOLD}.`,
  "",
  "| model | params (actor mean + critic) | episodes to threshold per seed | median [IQR] | final mean return |",
  "|---|---:|---|---:|---:|",
  ...methods.map((m) => {
    const per = (m.episodes_to_threshold as (number | null)[]).map((x) => x ?? `>${m.episodes}`).join(", ");
    const iqr = m.iqr_episodes_to_threshold as (number | null)[];
    return `| ${m.name} | ${m.params} | ${per} | ${m.median_episodes_to_threshold ?? "n/a"} [${iqr[0] ?? "n/a"}, ${iqr[1] ?? "n/a"}] | ${(m.final_mean_return as number).toFixed(0)} |`;
  }),
  "",
];
writeFileSync(join(opts.out, "report.md"), lines.join("\n"));
writeCurvesReport(
  opts.out,
  "trpo-pendulum: TRPO, rank-4 matrix policy vs NN",
  [
    `Protocol ${opts.protocol}, seeds ${opts.seeds.join(", ")}. Per-episode median training return over seeds, band 25–75 %.`,
    ...lines.slice(4, -1),
  ],
  [{ id: "curves-trpo", title: "TRPO: training return per episode", methods: curves }],
);
console.log(lines.join("\n"));
