import { A2c, SyncVectorEnv, type A2cState, type ActorCriticNetwork } from "../actorcritic/index.js";
import type { Env } from "../envs/env.js";
import { makeEnv } from "../envs/registry.js";
import { Rng } from "../random/rng.js";
import {
  buildA2cNetwork,
  parseA2cRunConfig,
  resultDefiningA2cConfig,
  type A2cRunConfig,
} from "./a2c-config.js";
import { CorruptCheckpointError } from "./checkpoint.js";
import { DivergenceError, findNonFiniteTensor } from "./divergence.js";
import { readManifest } from "./manifest.js";
import { METRIC } from "./metrics.js";
import { evaluationSeeds, restoreRunParams, stepMetricColumns, stepRunner } from "./step-run-lifecycle.js";
import type {
  RunEvalOptions,
  StepAlgorithm,
  StepRunCheckpoint,
  StepRunOptions,
} from "./step-run-lifecycle.js";

/** Metric columns of an a2c run (CleanRL names where there is one). */
export const A2C_METRIC_COLUMNS = stepMetricColumns([
  "update",
  METRIC.lossActor,
  METRIC.lossCritic,
  "losses/entropy",
  "charts/step_scale",
]);

/** What an a2c checkpoint holds besides the loop's counters: parameters, optimizer (K-FAC factors included), generator and every env copy. */
export type A2cRunCheckpoint = StepRunCheckpoint<{ state: A2cState }>;

export type A2cRunOptions = StepRunOptions;

/** The resolved model of an a2c run, for the manifest's `spec`. */
export interface A2cRunSpec {
  kind: "a2c";
  network: string;
  frontEnd: string;
  optimizer: string;
  /** Each layer of the trunk and head with its parameter count. */
  layers: { name: string; parameters: number }[];
  parameters: number;
}

/** Most steps of one evaluation episode (MinAtar Breakout has no time limit of its own). */
const EVAL_MAX_STEPS = 10_000;

function makeA2cEnv(config: A2cRunConfig, rng?: Rng): Env {
  return makeEnv(config.env, rng ? { rng } : {});
}

/** The network, the envs and the learner of a config, all drawn from one generator seeded by the config. */
function buildA2c(config: A2cRunConfig): { a2c: A2c; envs: SyncVectorEnv; network: ActorCriticNetwork } {
  const rng = new Rng(config.seed);
  const network = buildA2cNetwork(config, rng);
  const envs = new SyncVectorEnv(
    Array.from({ length: config.numEnvs }, () => makeA2cEnv(config, rng.fork())),
  );
  envs.reset(config.seed);
  const a2c = new A2c(network, envs, rng, {
    nSteps: config.rolloutSteps,
    gamma: config.gamma,
    gaeLambda: config.gaeLambda,
    valueCoef: config.valueCoef,
    entropyCoef: config.entropyCoef,
    optimizer: config.optimizer,
    lr: config.lr,
    maxGradNorm: config.maxGradNorm,
    kfac: { klClip: config.klClip, damping: config.damping },
  });
  return { a2c, envs, network };
}

/** The manifest's record of the model a config trains. */
export function a2cRunSpec(config: A2cRunConfig): A2cRunSpec {
  const network = buildA2cNetwork(config, new Rng(config.seed));
  const layers = [...network.trunk.layers, network.policy, network.value]
    .filter((l) => l.parameterCount > 0)
    .map((l) => ({ name: l.name, parameters: l.parameterCount }));
  return {
    kind: "a2c",
    network: config.network,
    frontEnd: config.frontEnd,
    optimizer: config.optimizer,
    layers,
    parameters: network.parameterCount,
  };
}

/** Greedy evaluation: action argmax_a π(a|s), episode i reset with seed base + i. */
export function evaluateA2cPolicy(
  network: ActorCriticNetwork,
  env: Env,
  seeds: readonly number[],
  maxSteps = EVAL_MAX_STEPS,
): { mean: number; std: number; returns: number[] } {
  const returns = seeds.map((seed) => {
    let obs = env.reset({ seed }).observation;
    let total = 0;
    for (let t = 0; t < maxSteps; t++) {
      const { logits } = network.forward(obs, 1);
      let best = 0;
      for (let a = 1; a < network.numActions; a++) if (logits[a] > logits[best]) best = a;
      const r = env.step(best);
      total += r.reward;
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    return total;
  });
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { mean, std, returns };
}

function importParams(network: ActorCriticNetwork, params: Record<string, number[]>): void {
  for (const p of network.parameters) {
    const v = params[p.name];
    if (!Array.isArray(v) || v.length !== p.data.length)
      throw new CorruptCheckpointError(
        `parameters: "${p.name}" is missing or not of length ${p.data.length}`,
      );
    p.data.set(v);
  }
}

/**
 * A2C on the step-run lifecycle: one advance is one A2C update (a rollout of every env copy,
 * then one gradient step); a metric row per finished episode and one per update.
 */
const A2C_STEPS: StepAlgorithm<A2cRunConfig, { state: A2cState }> = {
  algo: "a2c",
  counter: "frame",
  columns: A2C_METRIC_COLUMNS,
  evalProtocol: "greedy action argmax_a π(a|s); episode i resets with seed base+i",
  parse: parseA2cRunConfig,
  resultDefining: resultDefiningA2cConfig,
  spec: a2cRunSpec,
  learner(config, checkpoint) {
    const { a2c, envs, network } = buildA2c(config);
    if (checkpoint) a2c.setState(checkpoint.state);
    const evalEnv = makeA2cEnv(config);
    return {
      parameterCount: { actorCritic: network.parameterCount },
      get globalStep() {
        return envs.globalStep;
      },
      advance(log) {
        const info = a2c.update((ep) => log.episode(ep.globalStep, ep.return, ep.length));
        const bad = findNonFiniteTensor(network.parameters);
        if (bad || !Number.isFinite(info.total))
          throw new DivergenceError(
            log.episodes,
            envs.globalStep,
            bad ? `parameter ${bad.path}` : "losses/total",
            bad ? bad.value : info.total,
          );
        log.write({
          global_step: envs.globalStep,
          update: info.update,
          [METRIC.lossActor]: info.policy,
          [METRIC.lossCritic]: info.value,
          "losses/entropy": info.entropy,
          "charts/step_scale": info.stepScale,
        });
      },
      evaluate: (seeds) => evaluateA2cPolicy(network, evalEnv, seeds),
      state: () => ({ state: a2c.getState() }),
      finalParams: () => Object.fromEntries(network.parameters.map((p) => [p.name, Array.from(p.data)])),
    };
  },
};

/**
 * Runs an actor-critic `(config, seed) → run directory` (see {@link runSteps}); deterministic given
 * the config. {@link resumeA2cRun} continues it bit-identically: parameters, optimizer (K-FAC's
 * factors and inverses), generator and every env copy are restored.
 */
export const { execute: executeA2cRun, resume: resumeA2cRun } = stepRunner(A2C_STEPS);

/** Greedy evaluation of an a2c run's policy (final_params.json, or the newest checkpoint's) on fixed seeds. */
export function evaluateA2cRunDir(
  dir: string,
  opts: RunEvalOptions = {},
): { mean: number; std: number; returns: number[]; seeds: number[] } {
  const config = parseA2cRunConfig(readManifest(dir).config);
  const network = buildA2cNetwork(config, new Rng(config.seed));
  restoreRunParams<A2cRunCheckpoint>(
    dir,
    opts.params,
    (params) => importParams(network, params),
    (p) => importParams(network, p.state.parameters),
  );
  const seeds = evaluationSeeds(opts.episodes ?? config.evalEpisodes, opts.seed);
  return { ...evaluateA2cPolicy(network, makeA2cEnv(config), seeds, opts.maxSteps), seeds };
}
