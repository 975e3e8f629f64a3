import type { Env, EnvOptions } from "./env.js";
import { TimeLimit } from "./time-limit.js";
import { PaperPendulumEnv } from "./paper-pendulum.js";
import { PendulumEnv, type PendulumOptions } from "./pendulum.js";
import { PaperAcrobotEnv } from "./paper-acrobot.js";
import { AcrobotEnv, type AcrobotOptions } from "./acrobot.js";
import { CartPoleEnv, type CartPoleOptions } from "./cartpole.js";
import { MountainCarContinuousEnv } from "./mountain-car-continuous.js";
import { GoddardEnv, PaperRocketEnv } from "./goddard.js";
import { MinAtarBreakout, type MinAtarBreakoutOptions } from "./minatar-breakout.js";

/** Options of {@link makeEnv}: the env's own options plus the time-limit override. */
export interface MakeEnvOptions extends EnvOptions {
  /**
   * Override of the registered time limit: a positive integer wraps the env in `TimeLimit(n)`,
   * `null` returns the env without any time limit. Default: the registered limit (if any).
   */
  maxEpisodeSteps?: number | null;
  /** Env-specific constructor options (e.g. Pendulum-v1 `g`). */
  [option: string]: unknown;
}

/** One registered environment. */
export interface EnvSpec {
  readonly id: string;
  /** Builds the unwrapped env. */
  readonly create: (options: MakeEnvOptions) => Env;
  /** Registered time limit (Gymnasium's `max_episode_steps`); `undefined` = none. */
  readonly maxEpisodeSteps?: number;
  readonly description: string;
  /**
   * The env's own constructor options. When given, {@link makeEnv} rejects any other key (besides
   * `rng` and `maxEpisodeSteps`), so a typo is an error instead of a silently ignored option.
   */
  readonly optionKeys?: readonly string[];
}

/**
 * The registry: one line per environment. To add one, append an entry here (nothing else is
 * needed; `makeEnv`, `listEnvs`, `checkEnv` tests and the benchmark pick it up).
 */
const REGISTRY: EnvSpec[] = [
  {
    id: "LRPG/Pendulum",
    optionKeys: [],
    create: (o) => new PaperPendulumEnv(o),
    description: "LRPG paper's inverted-pendulum balancing task (no time limit; the paper cuts at T=100)",
  },
  {
    id: "LRPG/Acrobot",
    optionKeys: [],
    create: (o) => new PaperAcrobotEnv(o),
    description: "LRPG paper's continuous-torque acrobot (no time limit; the paper cuts at T=1000)",
  },
  {
    id: "LRPG/Rocket",
    optionKeys: [],
    create: (o) => new PaperRocketEnv(o),
    description:
      "LRPG paper's Goddard rocket, terminal reward 100·(h_max−1) (no time limit; the paper cuts at T=1000)",
  },
  {
    id: "Pendulum-v1",
    optionKeys: ["g"],
    create: (o) => new PendulumEnv(o as PendulumOptions),
    maxEpisodeSteps: 200,
    description: "Gymnasium 1.4.0 pendulum swing-up",
  },
  {
    id: "Acrobot-v1",
    optionKeys: ["bookOrNips"],
    create: (o) => new AcrobotEnv(o as AcrobotOptions),
    maxEpisodeSteps: 500,
    description: "Gymnasium 1.4.0 acrobot (3 discrete torques)",
  },
  {
    id: "CartPole-v1",
    optionKeys: ["suttonBartoReward"],
    create: (o) => new CartPoleEnv(o as CartPoleOptions),
    maxEpisodeSteps: 500,
    description: "Gymnasium 1.4.0 cart-pole",
  },
  {
    id: "MountainCarContinuous-v0",
    optionKeys: [],
    create: (o) => new MountainCarContinuousEnv(o),
    maxEpisodeSteps: 999,
    description: "Gymnasium 1.4.0 continuous mountain car",
  },
  {
    id: "Goddard-v0",
    optionKeys: [],
    create: (o) => new GoddardEnv(o),
    maxEpisodeSteps: 400,
    description: "osannolik/gym-goddard default rocket, terminal reward h_max−1",
  },
  {
    id: "MinAtar/Breakout",
    optionKeys: ["stickyActionProb", "minimalActions"],
    create: (o) => new MinAtarBreakout(o as MinAtarBreakoutOptions),
    description:
      "MinAtar Breakout 10×10×4 (options stickyActionProb = 0.1, minimalActions = false; no time limit)",
  },
];

/** Adds an env to the registry (for user envs); throws if the id is taken. */
export function registerEnv(spec: EnvSpec): void {
  if (REGISTRY.some((s) => s.id === spec.id))
    throw new Error(`registerEnv: id "${spec.id}" is already registered`);
  REGISTRY.push(spec);
}

/** The registered env ids, in registration order. */
export function listEnvs(): string[] {
  return REGISTRY.map((s) => s.id);
}

/** The registry entry of `id` (throws like {@link makeEnv} for an unknown id). */
export function envSpec(id: string): EnvSpec {
  const spec = REGISTRY.find((s) => s.id === id);
  if (!spec)
    throw new RangeError(`makeEnv: unknown env id "${String(id)}"; registered ids: ${listEnvs().join(", ")}`);
  return spec;
}

/**
 * Builds a registered env like `gymnasium.make`: the env wrapped in `TimeLimit` with its
 * registered `maxEpisodeSteps` (Pendulum-v1 200, Acrobot-v1 500, CartPole-v1 500,
 * MountainCarContinuous-v0 999, Goddard-v0 400; the LRPG/* envs have none). Pass
 * `maxEpisodeSteps` to override (`null` = no limit). `rng` passes the run's generator.
 */
export function makeEnv(id: string, options: MakeEnvOptions = {}): Env {
  const spec = envSpec(id);
  if (spec.optionKeys !== undefined) {
    const allowed = ["rng", "maxEpisodeSteps", ...spec.optionKeys];
    for (const key of Object.keys(options))
      if (!allowed.includes(key))
        throw new RangeError(
          `makeEnv("${spec.id}"): unknown option "${key}"; allowed: ${allowed.join(", ")}`,
        );
  }
  const env = spec.create(options);
  const limit = options.maxEpisodeSteps === undefined ? spec.maxEpisodeSteps : options.maxEpisodeSteps;
  if (limit === null || limit === undefined) return env;
  return new TimeLimit(env, limit);
}
