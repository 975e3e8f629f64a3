/**
 * Rank exploration as the tensor-low-rank authors run it (docs/trpo.md §8): train a tanh-NN
 * Gaussian policy on Pendulum-v1 (TRPO here, a few hundred episodes), sample its mean on a
 * 50×50×50 grid over [cos θ, sin θ, θ̇] ∈ [−1, 1]² × [−5, 5], centre it, fit CP-ALS for ranks
 * 1 … 15 and report the normalized Frobenius and max errors against the rank.
 *
 *   npx tsx experiments/rank-exploration.ts [episodes] [out-dir]     # defaults 200, results/rank-exploration
 *
 * Writes <out>/ranks.json (one row per rank) and prints the table.
 */
import "./lib/script-errors.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeEnv } from "../src/envs/registry.js";
import { centred, cpRankExploration, sampleOnGrid } from "../src/factor/rank-exploration.js";
import { TrpoRule } from "../src/pg/trpo-rule.js";
import { Rng } from "../src/random/rng.js";
import { trainBatches } from "./lib/batch-train.js";
import { buildModel } from "./lib/tensor-models.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const SEED = 0;
const EPISODES = Number(process.argv[2] ?? 200);
const OUT = process.argv[3] ?? "results/rank-exploration";
const MAX_STEPS = 1000;
const UPDATE_EVERY = 10_000;
const GAMMA = 0.9;
const TRPO = { tau: 0.9, maxKl: 0.01, damping: 1e-3, cgIterations: 5, cgTolerance: 1e-10 };
const NN_HIDDEN = 64;
const AXES = [
  { low: -1, high: 1, points: 50 },
  { low: -1, high: 1, points: 50 },
  { low: -5, high: 5, points: 50 },
];
const RANKS = Array.from({ length: 15 }, (_, i) => i + 1); // the reference's 1 … 15
// ---------------------------------------------------------------------------------------------

if (!(Number.isInteger(EPISODES) && EPISODES >= 0 && EPISODES <= 100_000))
  throw new RangeError(`episodes must be an integer in [0, 100000], got ${process.argv[2]}`);
const rng = new Rng(SEED);
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
  episodes: EPISODES,
  maxSteps: MAX_STEPS,
  updateEvery: UPDATE_EVERY,
  protocol: "clean",
  envSeed: SEED,
});
const tail = trained.returns.slice(-10);
const mu = new Float64Array(1);
const x = centred(
  sampleOnGrid((s, out) => {
    model.actor.forwardOne(s, mu, 0);
    out[0] = mu[0];
  }, AXES),
);
const rows = cpRankExploration(x, RANKS, { rng: new Rng(SEED) });
mkdirSync(OUT, { recursive: true });
const result = {
  policy: `TRPO tanh NN 3-${NN_HIDDEN}-1, ${EPISODES} episodes, last-10 mean return ${tail.length ? (tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(0) : "n/a"}`,
  grid: AXES,
  rows,
};
writeFileSync(join(OUT, "ranks.json"), JSON.stringify(result, null, 1) + "\n");
console.log(result.policy);
console.log("rank | CP params | NFE % | max error % | reference signed max error %");
for (const r of rows)
  console.log(
    `${r.rank} | ${r.params} | ${r.nfe.toFixed(2)} | ${r.maxError.toFixed(2)} | ${r.referenceMaxError.toFixed(2)}`,
  );
