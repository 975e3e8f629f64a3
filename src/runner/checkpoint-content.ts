import { Rng } from "../random/rng.js";
import type { AgentFactory } from "./agent-factory.js";
import type { RunConfig } from "./config.js";
import type { RunCheckpoint } from "./run.js";

/** A counter in a checkpoint: an integer in [min, max], else an Error naming the field. */
function checkCounter(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new Error(`${field} must be an integer in [${min}, ${max}], got ${String(value)}`);
  return value;
}

/**
 * Checks a policy-gradient checkpoint by content, beyond its checksum, before a resume trusts it:
 * the counters are integers in range (episode ≤ the run's episodes and equal to the header's,
 * metric rows = episodes, environment steps ≥ episodes), both generator states are valid
 * (xoroshiro128+ words never all zero), and the parameters and optimizer states load into a fresh
 * agent of the run's config (shapes, finite values) with step counts no larger than the number of
 * environment steps taken (every update consumes at least one transition). Throws an Error naming
 * the first defect; {@link loadLatestCheckpoint} then falls back to the previous checkpoint.
 */
export function checkRunCheckpoint(
  p: RunCheckpoint,
  headerEpisode: number,
  config: RunConfig,
  agentFactory: AgentFactory,
): void {
  if (p === null || typeof p !== "object") throw new Error(`payload must be an object, got ${String(p)}`);
  const episode = checkCounter(p.episode, "episode", 0, config.episodes);
  if (episode !== headerEpisode)
    throw new Error(`episode ${episode} differs from the header's ${headerEpisode}`);
  const globalStep = checkCounter(p.globalStep, "globalStep", episode, Number.MAX_SAFE_INTEGER);
  checkCounter(p.snapshotsBytes, "snapshotsBytes", 0, Number.MAX_SAFE_INTEGER);
  if (p.metrics === null || typeof p.metrics !== "object") throw new Error("metrics offset is missing");
  checkCounter(p.metrics.rows, "metrics.rows", episode, episode);
  checkCounter(p.metrics.jsonlBytes, "metrics.jsonlBytes", 0, Number.MAX_SAFE_INTEGER);
  checkCounter(p.metrics.csvBytes, "metrics.csvBytes", 0, Number.MAX_SAFE_INTEGER);
  Rng.fromState(p.rng);
  Rng.fromState(p.envRng);
  if (p.training === null || typeof p.training !== "object") throw new Error("training state is missing");
  for (const part of ["actor", "critic"] as const) {
    const state: unknown = p.training[part];
    if (state === null || typeof state !== "object") throw new Error(`training.${part} is missing`);
    checkCounter((state as { step?: unknown }).step, `training.${part}.step`, 0, globalStep);
  }
  const agent = agentFactory(config, new Rng(config.seed));
  agent.importStateDict(p.params);
  agent.setTrainingState(p.training);
}
