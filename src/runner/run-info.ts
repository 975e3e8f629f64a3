import { parseRunConfig, resultDefiningConfig, type RunConfig } from "./config.js";
import {
  isDqnConfigInput,
  parseDqnRunConfig,
  resultDefiningDqnConfig,
  type DqnRunConfig,
} from "./dqn-config.js";
import { dqnRunSpec } from "./dqn-run.js";
import {
  isLrqConfigInput,
  parseLrqRunConfig,
  resultDefiningLrqConfig,
  type LrqRunConfig,
} from "./lrq-config.js";
import { lrqRunSpec } from "./lrq-run.js";
import type { Manifest } from "./manifest.js";
import { pgRunSpec, type RunSpec } from "./run-spec.js";

/** The config of any run folder: policy gradient (lrpg / nn) or DQN. */
export type AnyRunConfig = RunConfig | DqnRunConfig;

/** The config of any run folder, low-rank Q-learning (lrq) included (what reports read). */
export type RunFolderConfig = AnyRunConfig | LrqRunConfig;

/** Validates a run's config, whichever algorithm it is. */
export function parseAnyRunConfig(raw: unknown): AnyRunConfig {
  return isDqnConfigInput(raw) ? parseDqnRunConfig(raw) : parseRunConfig(raw);
}

/** Validates a run folder's config, lrq included. */
export function parseRunFolderConfig(raw: unknown): RunFolderConfig {
  return isLrqConfigInput(raw) ? parseLrqRunConfig(raw) : parseAnyRunConfig(raw);
}

/** The config without fields that do not change results (to group runs by configuration). */
export function resultDefiningAnyConfig(config: RunFolderConfig): Record<string, unknown> {
  if (config.algo === "lrq") return { ...resultDefiningLrqConfig(config) };
  return config.algo === "dqn" ? { ...resultDefiningDqnConfig(config) } : { ...resultDefiningConfig(config) };
}

/**
 * A run's model spec (grids, ranks, hyperparameters): from its manifest, or, for runs recorded
 * before manifests held one, resolved from its config the way the runner builds the agent.
 */
export function runSpecOf(manifest: Manifest): RunSpec {
  if (manifest.spec) return manifest.spec;
  const config = parseRunFolderConfig(manifest.config);
  if (config.algo === "lrq") return lrqRunSpec(config);
  return config.algo === "dqn" ? dqnRunSpec(config) : pgRunSpec(config);
}
