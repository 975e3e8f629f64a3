import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { RUN_FILES } from "../runner/run-dir.js";
import { bytesChecksum } from "./checksum.js";
import { makeSavedPolicy, readSavedPolicy, SavedPolicyError, type SavedPolicy } from "./saved-policy.js";
import { shapeOf, type NestedStateDict } from "./tensor.js";

/** A policy loaded from disk, with the files it came from (checksummed so a sweep can prove it left them alone). */
export interface PolicySource {
  readonly saved: SavedPolicy;
  readonly files: readonly { readonly path: string; readonly checksum: string }[];
  readonly description: string;
}

/**
 * Loads what `lowrank-rl laser <path>` accepts:
 * - a saved-policy JSON file (format `lowrank-rl/saved-policy`, see saved-policy.ts);
 * - a src/runner run directory (`manifest.json` + `final_params.json`), or that `final_params.json`:
 *   becomes a `"pg-run"` saved policy whose options are the manifest's config.
 * Missing, unreadable or malformed inputs throw {@link SavedPolicyError} naming the path.
 */
export function loadPolicySource(path: string): PolicySource {
  if (!existsSync(path)) throw new SavedPolicyError(`saved policy not found: ${path}`);
  const isDir = statSync(path).isDirectory();
  if (isDir || basename(path) === RUN_FILES.finalParams)
    return loadRunDirectory(isDir ? path : dirname(path));
  const saved = readSavedPolicy(path);
  return {
    saved,
    files: [{ path, checksum: bytesChecksum(readFileSync(path)) }],
    description: `saved policy ${path}`,
  };
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new SavedPolicyError(`${what} not found: ${path}`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new SavedPolicyError(`${what} ${path} is not valid JSON (${(e as Error).message})`);
  }
}

function loadRunDirectory(dir: string): PolicySource {
  const manifestPath = join(dir, RUN_FILES.manifest);
  const paramsPath = join(dir, RUN_FILES.finalParams);
  const manifest = readJson(manifestPath, "run manifest") as Record<string, unknown> | null;
  if (!manifest || manifest.format !== "lowrank-rl/run") {
    throw new SavedPolicyError(
      `${manifestPath}: not a lowrank-rl run manifest (format = ${JSON.stringify(manifest?.format)})`,
    );
  }
  if (manifest.status !== "completed") {
    throw new SavedPolicyError(
      `${dir}: the run's status is "${String(manifest.status)}", not "completed"; it has no final parameters to reduce`,
    );
  }
  const params = readJson(paramsPath, "final parameters file");
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new SavedPolicyError(`${paramsPath}: must be a JSON object (a state dict)`);
  }
  for (const [key, tensor] of Object.entries(params)) {
    try {
      shapeOf(tensor, key);
    } catch (e) {
      throw new SavedPolicyError(`${paramsPath}: ${(e as Error).message}`);
    }
  }
  const config = manifest.config as Record<string, unknown>;
  const saved = makeSavedPolicy({
    kind: "pg-run",
    env: String(manifest.envId ?? config?.env),
    options: config,
    stateDict: params as NestedStateDict,
    meta: { runDir: dir, jobId: manifest.jobId, seed: manifest.seed },
  });
  return {
    saved,
    files: [manifestPath, paramsPath].map((p) => ({ path: p, checksum: bytesChecksum(readFileSync(p)) })),
    description: `run directory ${dir}`,
  };
}

/** Re-checksums the source files; throws if any changed (the sweep must never write them). */
export function assertSourceUnchanged(source: PolicySource): void {
  for (const f of source.files) {
    const now = bytesChecksum(readFileSync(f.path));
    if (now !== f.checksum)
      throw new Error(`LASER: ${f.path} changed during the sweep (${f.checksum} → ${now})`);
  }
}
