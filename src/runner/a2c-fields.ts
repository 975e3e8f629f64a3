/**
 * The a2c-only config fields as the CLI shows them (flags, allowed ranges) and the test for an
 * a2c config: kept apart from ./a2c-config.ts, whose validation builds the network, so that the
 * CLI registers its flags without loading the actor-critic code.
 */
import type { A2cRunConfig } from "./a2c-config.js";
import { asksForAlgo } from "./config.js";

/** One documented a2c-only config field (flag, allowed range) for `--help` and error messages. */
export interface A2cFieldDoc {
  name: keyof A2cRunConfig;
  flag: string;
  allowed: string;
  description: string;
  number?: boolean;
}

/** Fields only a2c has; the rest share the DQN and PG flags (--network, --optimizer, --lr, --gamma, --max-grad-norm …). */
export const A2C_FIELD_DOCS: readonly A2cFieldDoc[] = [
  {
    name: "frontEnd",
    flag: "--front-end <kind>",
    allowed: '"conv" or "scattering" (MinAtar/Breakout)',
    description: "a2c: first layer",
  },
  {
    name: "numEnvs",
    flag: "--num-envs <n>",
    allowed: "an integer in [1, 1024]",
    description: "a2c: env copies stepped in lockstep",
    number: true,
  },
  {
    name: "rolloutSteps",
    flag: "--rollout-steps <n>",
    allowed: "an integer in [1, 10000]",
    description: "a2c: steps per env per update",
    number: true,
  },
  {
    name: "gaeLambda",
    flag: "--gae-lambda <x>",
    allowed: "a number in [0, 1] (1: n-step advantage)",
    description: "a2c: GAE λ",
    number: true,
  },
  {
    name: "valueCoef",
    flag: "--value-coef <x>",
    allowed: "a number in [0, 1000]",
    description: "a2c: value-loss coefficient",
    number: true,
  },
  {
    name: "entropyCoef",
    flag: "--entropy-coef <x>",
    allowed: "a number in [0, 1000]",
    description: "a2c: entropy-bonus coefficient",
    number: true,
  },
  {
    name: "klClip",
    flag: "--kl-clip <x>",
    allowed: "a number in (0, 100]",
    description: "a2c with kfac (ACKTR): KL trust region per update",
    number: true,
  },
  {
    name: "damping",
    flag: "--damping <x>",
    allowed: "a number in (0, 100]",
    description: "a2c with kfac: Tikhonov damping",
    number: true,
  },
];

/** True when a raw config asks for an actor-critic run. */
export const isA2cConfigInput = (raw: unknown): boolean => asksForAlgo(raw, "a2c");
