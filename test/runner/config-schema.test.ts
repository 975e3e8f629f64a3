import { describe, expect, it } from "vitest";
import { parseA2cRunConfig } from "../../src/runner/a2c-config.js";
import { ConfigError, parseRunConfig } from "../../src/runner/config.js";
import { parseDqnRunConfig } from "../../src/runner/dqn-config.js";
import { parseLrqRunConfig } from "../../src/runner/lrq-config.js";
import { parseSweepSpec } from "../../src/runner/sweep.js";

/** The ConfigError a parse throws, as `field: message` (or "ok"). */
function outcome(parse: (raw: unknown) => unknown, raw: unknown): string {
  try {
    parse(raw);
    return "ok";
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return `${err.field}: ${err.message}`;
  }
}

const dqn = (fields: object) => ({ algo: "dqn", env: "CartPole-v1", ...fields });
const a2c = (fields: object) => ({ algo: "a2c", env: "CartPole-v1", ...fields });
const lrq = (fields: object) => ({ algo: "lrq", env: "CartPole-v1", ...fields });
const sweep = (fields: object) => ({ base: { env: "LRPG/Pendulum" }, seeds: [0], ...fields });

describe("config schemas: the first defect's one-line error", () => {
  const cases: [string, (raw: unknown) => unknown, unknown, string][] = [
    [
      "pg int out of range",
      parseRunConfig,
      { rank: 1001 },
      "rank: config.rank = 1001: must be an integer in [1, 1000]",
    ],
    [
      "pg non-integer",
      parseRunConfig,
      { seed: 1.5 },
      "seed: config.seed = 1.5: must be an integer in [0, 2147483647]",
    ],
    [
      "pg open lower bound",
      parseRunConfig,
      { gamma: 0 },
      "gamma: config.gamma = 0: must be a number in (0, 1]",
    ],
    [
      "pg number above its range",
      parseRunConfig,
      { checkpointMinSeconds: 86401 },
      "checkpointMinSeconds: config.checkpointMinSeconds = 86401: must be a number in [0, 86400] (0 = strictly every checkpointEvery episodes)",
    ],
    [
      "pg wrong type",
      parseRunConfig,
      { tensorboard: "no" },
      'tensorboard: config.tensorboard = "no": must be true or false (false is kept in the resolved config; true is the default and left out)',
    ],
    [
      "pg wrong enum",
      parseRunConfig,
      { backend: "tpu" },
      'backend: config.backend = "tpu": must be "cpu" or "gpu"',
    ],
    [
      "pg bad value before an unknown key",
      parseRunConfig,
      { bogus: 2, seed: "x" },
      'seed: config.seed = "x": must be an integer in [0, 2147483647]',
    ],
    [
      "dqn int below range",
      parseDqnRunConfig,
      dqn({ nStep: 0 }),
      "nStep: config.nStep = 0: must be an integer in [1, 1000]",
    ],
    [
      "dqn non-integer",
      parseDqnRunConfig,
      dqn({ batchSize: 1.5 }),
      "batchSize: config.batchSize = 1.5: must be an integer in [1, 100000]",
    ],
    [
      "dqn open upper bound",
      parseDqnRunConfig,
      dqn({ kfacStatDecay: 1 }),
      "kfacStatDecay: config.kfacStatDecay = 1: must be a number in [0, 1) (optimizer kfac)",
    ],
    [
      "dqn wrong enum",
      parseDqnRunConfig,
      dqn({ loss: "l1" }),
      'loss: config.loss = "l1": must be "huber" or "mse"',
    ],
    [
      "dqn seed past 2^31 - 1",
      parseDqnRunConfig,
      dqn({ seed: 2 ** 31 }),
      "seed: config.seed = 2147483648: must be an integer in [0, 2147483647]",
    ],
    ["dqn nullable", parseDqnRunConfig, dqn({ maxGradNorm: null }), "ok"],
    [
      "a2c closed lower bound",
      parseA2cRunConfig,
      a2c({ gamma: -1e-9 }),
      "gamma: config.gamma = -1e-9: must be a number in [0, 1]",
    ],
    [
      "a2c nullable's bound",
      parseA2cRunConfig,
      a2c({ maxGradNorm: 0 }),
      "maxGradNorm: config.maxGradNorm = 0: must be a number > 0, or null/none",
    ],
    [
      "a2c shared tail",
      parseA2cRunConfig,
      a2c({ evalEpisodes: 0 }),
      "evalEpisodes: config.evalEpisodes = 0: must be an integer in [1, 100000]",
    ],
    [
      "lrq open lower bound",
      parseLrqRunConfig,
      lrq({ lr: 0 }),
      "lr: config.lr = 0: must be a number in (0, 10]",
    ],
    [
      "lrq union of int, list and text",
      parseLrqRunConfig,
      lrq({ buckets: [2, 1001] }),
      "buckets: config.buckets = [2,1001]: must be integers in [2, 1000], one per observation dimension or one for all (at most 16777216 cells)",
    ],
    ["lrq nullable", parseLrqRunConfig, lrq({ actions: null }), "ok"],
    [
      "sweep seed",
      parseSweepSpec,
      sweep({ seeds: [0, 1.5] }),
      "seeds.1: sweep.seeds.1: must be an integer in [0, 2147483647], got 1.5",
    ],
    [
      "sweep empty list",
      parseSweepSpec,
      sweep({ grid: { rank: [] } }),
      "grid.rank: sweep.grid.rank: Too small: expected array to have >=1 items",
    ],
    [
      "sweep int below range",
      parseSweepSpec,
      sweep({ random: { samples: 0, space: {} } }),
      "random.samples: sweep.random.samples: Too small: expected number to be >=1",
    ],
    [
      "sweep non-integer",
      parseSweepSpec,
      sweep({ random: { samples: 1.5, space: {} } }),
      "random.samples: sweep.random.samples: Invalid input: expected int, received number",
    ],
    [
      "sweep wrong type",
      parseSweepSpec,
      sweep({ grid: "rank" }),
      "grid: sweep.grid: Invalid input: expected record, received string",
    ],
    [
      "sweep unknown key",
      parseSweepSpec,
      sweep({ random: { samples: 2, space: {}, bogus: 1 } }),
      'random: sweep.random: Unrecognized key: "bogus"',
    ],
  ];
  it.each(cases)("%s", (_name, parse, raw, expected) => {
    expect(outcome(parse, raw)).toBe(expected);
  });

  it("an unknown key names the algo's fields", () => {
    expect(outcome(parseRunConfig, { rnak: 3 })).toMatch(
      /^rnak: config\.rnak: unknown field; known fields: env, task, algo, seed,/,
    );
    expect(outcome(parseDqnRunConfig, dqn({ bogus: 1 }))).toMatch(
      /^bogus: config\.bogus: not a field of algo "dqn" \(DQN fields: algo, env, seed, totalSteps, network, .*, vMax, tensorboard\)$/,
    );
    expect(outcome(parseLrqRunConfig, lrq({ bogus: 1 }))).toMatch(
      /^bogus: config\.bogus: not a field of algo "lrq" \(lrq fields: algo, env, seed, totalSteps, qModel, .*, tensorboard\)$/,
    );
  });
});
