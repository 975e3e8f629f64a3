/**
 * Rank exploration as the tensor-low-rank authors run it (docs/trpo.md §8): train a tanh-NN
 * Gaussian policy on Pendulum-v1 (TRPO here, a few hundred episodes), sample its mean on a
 * 50×50×50 grid over [cos θ, sin θ, θ̇] ∈ [−1, 1]² × [−5, 5], centre it, fit CP-ALS for ranks
 * 1 … 15 and report the normalized Frobenius and max errors against the rank.
 *
 *   npm run exp:rank-exploration                                   # 200 episodes, ranks 1 … 15
 *   npm run exp:rank-exploration -- --episodes 50 --max-rank 6 --points 20 --out /tmp/re
 *
 * Writes <out>/ranks.json (one row per rank), <out>/report.html (both errors against the rank,
 * and the table) and prints the table.
 */
import { usageExit } from "./lib/script-errors.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { makeEnv } from "../src/envs/registry.js";
import { centred, cpRankExploration, sampleOnGrid } from "../src/factor/rank-exploration.js";
import { TrpoRule } from "../src/pg/trpo-rule.js";
import { Rng } from "../src/random/rng.js";
import { linesFigure } from "../src/report/figures.js";
import { writeReport } from "../src/report/html.js";
import { intInRange, outputDir } from "./lib/args.js";
import { trainBatches } from "./lib/batch-train.js";
import { buildModel } from "./lib/tensor-models.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const SEED = 0;
const EPISODES = 200;
const OUT = "results/rank-exploration";
const MAX_STEPS = 1000;
const UPDATE_EVERY = 10_000;
const GAMMA = 0.9;
const TRPO = { tau: 0.9, maxKl: 0.01, damping: 1e-3, cgIterations: 5, cgTolerance: 1e-10 };
const NN_HIDDEN = 64;
const POINTS = 50; // grid points per state dimension
const BOX = [
  [-1, 1],
  [-1, 1],
  [-5, 5],
]; // [cos θ, sin θ, θ̇]
const MAX_RANK = 15; // the reference's ranks 1 … 15
// ---------------------------------------------------------------------------------------------

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:rank-exploration")
  .description("CP-ALS errors against the rank of a trained TRPO pendulum policy's mean")
  .option("--episodes <n>", "TRPO training episodes", intInRange("--episodes", 0, 100_000), EPISODES)
  .option("--seed <n>", "training and ALS seed", intInRange("--seed", 0, 2 ** 31 - 1), SEED)
  .option("--max-rank <n>", "fit ranks 1 … n", intInRange("--max-rank", 1, 100), MAX_RANK)
  .option("--points <n>", "grid points per state dimension", intInRange("--points", 2, 200), POINTS)
  .option("--out <dir>", "output folder (ranks.json, report.html)", outputDir("--out"), OUT)
  .showHelpAfterError("(add --help for usage)")
  .parse();
const opts = program.opts<{ episodes: number; seed: number; maxRank: number; points: number; out: string }>();

const rng = new Rng(opts.seed);
const model = buildModel(
  { kind: "nn", hidden: NN_HIDDEN, outputScale: [0.1, 0], logSigmaClamp: [-2, 0] },
  3,
  rng,
  1e-3,
  1e-3,
);
const rule = new TrpoRule(model.parts, GAMMA, TRPO);
const trained = trainBatches({
  env: makeEnv("Pendulum-v1", { g: 9.81, maxEpisodeSteps: MAX_STEPS, rng: rng.fork() }),
  actor: model.actor,
  head: model.head,
  rule,
  rng,
  episodes: opts.episodes,
  maxSteps: MAX_STEPS,
  updateEvery: UPDATE_EVERY,
  protocol: "clean",
  envSeed: opts.seed,
});
const tail = trained.returns.slice(-10);
const axes = BOX.map(([low, high]) => ({ low, high, points: opts.points }));
const mu = new Float64Array(1);
const x = centred(
  sampleOnGrid((s, out) => {
    model.actor.forwardOne(s, mu, 0);
    out[0] = mu[0];
  }, axes),
);
const ranks = Array.from({ length: opts.maxRank }, (_, i) => i + 1);
const rows = cpRankExploration(x, ranks, { rng: new Rng(opts.seed) });
mkdirSync(opts.out, { recursive: true });
const lastMean = tail.length ? (tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(0) : "n/a";
const policy = `TRPO tanh NN 3-${NN_HIDDEN}-1, seed ${opts.seed}, ${opts.episodes} episodes, last-10 mean return ${lastMean}`;
const result = { policy, seed: opts.seed, episodes: opts.episodes, grid: axes, rows };
writeFileSync(join(opts.out, "ranks.json"), JSON.stringify(result, null, 1) + "\n");
writeReport(join(opts.out, "report.html"), {
  title: "Rank exploration: CP fits of a trained policy's mean",
  notes: [
    `${policy}. Its mean μ(s) sampled on a ${axes.map((a) => a.points).join("×")} grid over [cos θ, sin θ, θ̇] ∈ [−1, 1]² × [−5, 5], centred, fitted by CP-ALS at each rank.`,
    "Normalized Frobenius error 100·‖X̂ − X‖_F/‖X‖_F and max error 100·max|X̂ − X|/max|X|, in percent (docs/trpo.md §8).",
  ],
  figures: [
    linesFigure(
      "rank-errors",
      "CP approximation error against the rank",
      ranks,
      [
        { name: "normalized Frobenius error %", y: rows.map((r) => r.nfe) },
        { name: "max error %", y: rows.map((r) => r.maxError) },
      ],
      { x: "CP rank", y: "error (%)", logY: true },
    ),
  ],
  tables: [
    {
      title: "Errors per rank",
      columns: [
        "rank",
        "CP params",
        "NFE %",
        "max error %",
        "signed max error % (reference's)",
        "ALS iterations",
      ],
      rows: rows.map((r) => [r.rank, r.params, r.nfe, r.maxError, r.referenceMaxError, r.iterations]),
    },
  ],
});
console.log(policy);
console.log("rank | CP params | NFE % | max error % | reference signed max error %");
for (const r of rows)
  console.log(
    `${r.rank} | ${r.params} | ${r.nfe.toFixed(2)} | ${r.maxError.toFixed(2)} | ${r.referenceMaxError.toFixed(2)}`,
  );
console.log(`wrote ${join(opts.out, "ranks.json")} and ${join(opts.out, "report.html")}`);
