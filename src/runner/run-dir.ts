import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { listCheckpoints } from "./checkpoint.js";

/** Makes an env id safe as one path component: `LRPG/Pendulum` → `LRPG-Pendulum`. */
export function sanitizeForPath(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._=-]+/g, "-").replace(/^[-.]+|-+$/g, "");
  return cleaned.length > 0 ? cleaned : "unnamed";
}

/** Compact UTC timestamp for directory names: 20261123T194112Z. */
export function timestampForPath(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}

/** The CleanRL-style run name `<env>__<algo>__<seed>__<suffix>` (suffix: a timestamp or a job id). */
export function runName(envId: string, algo: string, seed: number, suffix: string): string {
  return `${sanitizeForPath(envId)}__${sanitizeForPath(algo)}__${seed}__${sanitizeForPath(suffix)}`;
}

/**
 * Creates `root/<env>__<algo>__<seed>__<time>/` (adding `-2`, `-3`… if the name is taken) and
 * returns its path.
 */
export function createRunDir(
  root: string,
  envId: string,
  algo: string,
  seed: number,
  time = new Date(),
): string {
  mkdirSync(root, { recursive: true });
  const base = runName(envId, algo, seed, timestampForPath(time));
  for (let attempt = 1; ; attempt++) {
    const dir = join(root, attempt === 1 ? base : `${base}-${attempt}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/** File names inside a run directory. */
export const RUN_FILES = {
  manifest: "manifest.json",
  metricsJsonl: "metrics.jsonl",
  metricsCsv: "metrics.csv",
  finalParams: "final_params.json",
  evalJson: "eval.json",
  checkpointDir: "checkpoints",
  snapshots: "snapshots.jsonl",
} as const;

/** The progress counter (episode, frame or step) of a run folder's newest checkpoint file; 0 if none. */
export function newestCheckpointCounter(runDir: string): number {
  return listCheckpoints(join(runDir, RUN_FILES.checkpointDir)).at(-1)?.episode ?? 0;
}
