/**
 * A2C against ACKTR (A2C with K-FAC) on CartPole-v1 or MinAtar Breakout, with dense, low-rank and
 * Tucker (TRL) hidden layers and, on Breakout, a fixed scattering first layer (docs/actor-critic.md,
 * docs/kfac.md, docs/scattering.md). Every (variant, seed) trains from the same seed; the script prints
 * one row per variant and writes summary-<env>.json to --out (with the commit, wall and CPU time).
 *
 *   npx tsx experiments/a2c.ts --env cartpole --seeds 6               # updates to the threshold
 *   npx tsx experiments/a2c.ts --env breakout --frames 20000 --seeds 1 # return after a frame budget
 *   npx tsx experiments/a2c.ts --env breakout --variants kfac-trl-0.2,adam-dense
 *
 * CartPole: the threshold is a mean of ≥ 195 over the last 20 episodes; a row reports the updates each
 * seed needed (−1: not within --updates). Breakout: the mean return of the last 30 episodes at the
 * frame budget (the random policy scores ≈ 0.5), the parameter count and frames per second of wall
 * and of CPU time.
 * Variant names: <adam|kfac>-<dense|lowrank-<r>|trl-<r>>[-scattering] (r an integer rank or a
 * fraction in (0, 1) of the dense count).
 */
import { usageExit } from "./lib/script-errors.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import {
  A2c,
  SyncVectorEnv,
  minatarActorCritic,
  mlpActorCritic,
  type A2cOptions,
  type TrunkLayerSpec,
} from "../src/actorcritic/index.js";
import { makeEnv } from "../src/envs/index.js";
import { Rng } from "../src/random/rng.js";
import { gitCommit, packageVersion } from "../src/runner/provenance.js";
import { intInRange, oneOf, outputDir, seedList } from "./lib/args.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const NUM_ENVS = 8;
const GAMMA = 0.99;
const GAE_LAMBDA = 1; // n-step advantage
const VALUE_COEF = 0.5;
const ENTROPY_COEF = 0.01;
const CARTPOLE = { nSteps: 10, adamLr: 0.005, kfacLr: 0.25, klClip: 0.01, threshold: 195, updates: 2000 };
const BREAKOUT = { nSteps: 5, adamLr: 0.001, kfacLr: 0.25, klClip: 0.01, frames: 20_000 };
const MAX_GRAD_NORM = 0.5; // Adam only; K-FAC clips by KL
const CARTPOLE_VARIANTS = [
  "adam-dense",
  "kfac-dense",
  "adam-trl-4",
  "kfac-trl-4",
  "adam-lowrank-8",
  "kfac-lowrank-8",
];
const BREAKOUT_VARIANTS = [
  "adam-dense",
  "kfac-dense",
  "adam-trl-0.2",
  "kfac-trl-0.2",
  "kfac-trl-0.1",
  "kfac-trl-0.2-scattering",
];

interface Variant {
  name: string;
  optimizer: "adam" | "kfac";
  hidden: TrunkLayerSpec;
  scattering: boolean;
}

function parseVariant(name: string): Variant {
  const m = /^(adam|kfac)-(dense|lowrank-([\d.]+)|trl-([\d.]+))(-scattering)?$/.exec(name);
  const r = m ? Number(m[3] ?? m[4]) : NaN;
  if (!m || (m[2] !== "dense" && !(r > 0 && (r < 1 || Number.isInteger(r)))))
    throw new InvalidArgumentError(
      `--variants: "${name}" is not <adam|kfac>-<dense|lowrank-<r>|trl-<r>>[-scattering] (r an integer >= 1 or a fraction in (0, 1))`,
    );
  const hidden: TrunkLayerSpec =
    m[2] === "dense"
      ? { kind: "dense" }
      : m[3] !== undefined
        ? { kind: "lowrank", rank: r }
        : { kind: "trl", rank: r };
  return { name, optimizer: m[1] as "adam" | "kfac", hidden, scattering: m[5] !== undefined };
}

const program = new Command("a2c")
  .exitOverride(usageExit)
  .option(
    "--env <name>",
    "cartpole or breakout",
    oneOf("--env", ["cartpole", "breakout"] as const),
    "cartpole",
  )
  .option("--variants <list>", "comma-separated variant names", (v) =>
    v.split(",").map((s) => parseVariant(s.trim())),
  )
  .option("--seeds <n|list>", "seed count or list", seedList, [0, 1, 2])
  .option(
    "--updates <n>",
    "CartPole: most updates per run",
    intInRange("--updates", 1, 1e7),
    CARTPOLE.updates,
  )
  .option("--frames <n>", "Breakout: frames per run", intInRange("--frames", 1, 1e9), BREAKOUT.frames)
  .option("--out <dir>", "output folder", outputDir("--out"), "results/a2c")
  .showHelpAfterError("(add --help for usage)")
  .parse();
const opts = program.opts<{
  env: "cartpole" | "breakout";
  variants?: Variant[];
  seeds: number[];
  updates: number;
  frames: number;
  out: string;
}>();
const variants =
  opts.variants ?? (opts.env === "cartpole" ? CARTPOLE_VARIANTS : BREAKOUT_VARIANTS).map(parseVariant);

interface RunResult {
  variant: string;
  seed: number;
  parameters: number;
  updatesToThreshold?: number;
  finalReturn: number;
  frames: number;
  /** Wall-clock seconds of the run. */
  seconds: number;
  /** CPU seconds of the process during the run (user + system): less sensitive to a shared machine's load. */
  cpuSeconds: number;
}

function run(v: Variant, seed: number): RunResult {
  const rng = new Rng(seed);
  const cart = opts.env === "cartpole";
  const hp = cart ? CARTPOLE : BREAKOUT;
  if (cart && v.scattering)
    throw new InvalidArgumentError(`--variants: ${v.name}: scattering needs an image (Breakout)`);
  const envId = cart ? "CartPole-v1" : "MinAtar/Breakout";
  const envs = new SyncVectorEnv(Array.from({ length: NUM_ENVS }, () => makeEnv(envId, { rng: rng.fork() })));
  envs.reset(seed);
  const net = cart
    ? mlpActorCritic({ observationSize: 4, numActions: 2, hidden: [64, 64], hiddenLayer: v.hidden, rng })
    : minatarActorCritic({
        numActions: 6,
        rng,
        hiddenLayer: v.hidden,
        frontEnd: v.scattering ? { kind: "scattering" } : { kind: "conv" },
      });
  const options: A2cOptions = {
    nSteps: hp.nSteps,
    gamma: GAMMA,
    gaeLambda: GAE_LAMBDA,
    valueCoef: VALUE_COEF,
    entropyCoef: ENTROPY_COEF,
    optimizer: v.optimizer,
    lr: v.optimizer === "kfac" ? hp.kfacLr : hp.adamLr,
    maxGradNorm: MAX_GRAD_NORM,
    kfac: { klClip: hp.klClip },
  };
  const a2c = new A2c(net, envs, rng, options);
  const returns: number[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let reached = -1;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  if (cart) {
    for (let u = 1; u <= opts.updates && reached < 0; u++) {
      a2c.update((ep) => returns.push(ep.return));
      if (returns.length >= 20 && mean(returns.slice(-20)) >= CARTPOLE.threshold) reached = u;
    }
  } else {
    while (envs.globalStep < opts.frames) a2c.update((ep) => returns.push(ep.return));
  }
  return {
    variant: v.name,
    seed,
    parameters: net.parameterCount,
    ...(cart ? { updatesToThreshold: reached } : {}),
    finalReturn: mean(returns.slice(cart ? -20 : -30)),
    frames: envs.globalStep,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0)),
  };
}

const wallStart = performance.now();
const cpuStart = process.cpuUsage();
const results: RunResult[] = [];
for (const v of variants) {
  const rows = opts.seeds.map((s) => run(v, s));
  results.push(...rows);
  const fps = rows.reduce((a, r) => a + r.frames, 0) / rows.reduce((a, r) => a + r.seconds, 0);
  const what =
    opts.env === "cartpole"
      ? `updates to ${CARTPOLE.threshold}: ${rows.map((r) => r.updatesToThreshold).join(" ")}`
      : `return (last 30 episodes): ${rows.map((r) => r.finalReturn.toFixed(2)).join(" ")}`;
  console.log(
    `${v.name.padEnd(26)} params ${String(rows[0].parameters).padStart(7)}  ${what}  (${fps.toFixed(0)} frames/s)`,
  );
}
const cpu = process.cpuUsage(cpuStart);
mkdirSync(opts.out, { recursive: true });
const hp = opts.env === "cartpole" ? CARTPOLE : BREAKOUT;
writeFileSync(
  join(opts.out, `summary-${opts.env}.json`),
  `${JSON.stringify(
    {
      env: opts.env,
      numEnvs: NUM_ENVS,
      hyperparameters: hp,
      // What produced the numbers (the results-doc renderer prints it under the table).
      package_version: packageVersion(),
      git_commit: gitCommit(),
      node_version: process.version,
      wall_time_s: Number(((performance.now() - wallStart) / 1000).toFixed(2)),
      cpu_time_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      results,
    },
    null,
    2,
  )}\n`,
);
