import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { stateDictChecksum } from "./checksum.js";
import { shapeOf, type NestedStateDict } from "./tensor.js";

/** Value of the `format` field of a saved-policy file. */
export const SAVED_POLICY_FORMAT = "lowrank-rl/saved-policy";
export const SAVED_POLICY_VERSION = 1;

/**
 * A trained policy on disk (JSON), the input of `lowrank-rl laser`:
 *
 * ```json
 * {
 *   "format": "lowrank-rl/saved-policy", "version": 1,
 *   "kind": "nn",                      // which agent family rebuilds it (see policy-kinds.ts)
 *   "env": "paper/pendulum",           // environment id the policy acts in
 *   "options": { ... },                // agent construction options (task, widths, …), optional
 *   "stateDict": { "mu.0.weight": [[…]], … },   // nested arrays, PyTorch state_dict names
 *   "checksum": "sha256:…",            // stateDictChecksum(stateDict): detects corruption
 *   "meta": { ... }                    // free-form provenance (run dir, seed, date), optional
 * }
 * ```
 */
export interface SavedPolicy {
  readonly format: typeof SAVED_POLICY_FORMAT;
  readonly version: number;
  readonly kind: string;
  readonly env: string;
  readonly options?: Record<string, unknown>;
  readonly stateDict: NestedStateDict;
  readonly checksum: string;
  readonly meta?: Record<string, unknown>;
}

/** Builds a SavedPolicy with its checksum filled in. */
export function makeSavedPolicy(fields: {
  kind: string;
  env: string;
  stateDict: NestedStateDict;
  options?: Record<string, unknown>;
  meta?: Record<string, unknown>;
}): SavedPolicy {
  return {
    format: SAVED_POLICY_FORMAT,
    version: SAVED_POLICY_VERSION,
    kind: fields.kind,
    env: fields.env,
    ...(fields.options ? { options: fields.options } : {}),
    stateDict: fields.stateDict,
    checksum: stateDictChecksum(fields.stateDict),
    ...(fields.meta ? { meta: fields.meta } : {}),
  };
}

/** Thrown for a missing, unreadable, malformed or checksum-failing saved-policy file. */
export class SavedPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SavedPolicyError";
  }
}

/** Writes a saved policy as JSON (floats round-trip exactly: JSON uses the shortest float64 repr). */
export function writeSavedPolicy(path: string, policy: SavedPolicy): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(policy) + "\n");
}

/** Reads and validates a saved-policy file; every failure names the file and what is wrong. */
export function readSavedPolicy(path: string): SavedPolicy {
  if (!existsSync(path)) throw new SavedPolicyError(`saved policy file not found: ${path}`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SavedPolicyError(`cannot read saved policy file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SavedPolicyError(`saved policy file ${path} is not valid JSON (${(e as Error).message})`);
  }
  return parseSavedPolicy(parsed, path);
}

/** Validates an already-parsed JSON value as a SavedPolicy (`source` names it in errors). */
export function parseSavedPolicy(value: unknown, source = "saved policy"): SavedPolicy {
  const fail = (msg: string): never => {
    throw new SavedPolicyError(`${source}: ${msg}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("must be a JSON object");
  const obj = value as Record<string, unknown>;
  if (obj.format !== SAVED_POLICY_FORMAT) {
    fail(`field "format" must be "${SAVED_POLICY_FORMAT}", got ${JSON.stringify(obj.format)}`);
  }
  if (obj.version !== SAVED_POLICY_VERSION) {
    fail(`field "version" must be ${SAVED_POLICY_VERSION}, got ${JSON.stringify(obj.version)}`);
  }
  for (const f of ["kind", "env", "checksum"] as const) {
    if (typeof obj[f] !== "string" || (obj[f] as string).length === 0)
      fail(`field "${f}" must be a non-empty string`);
  }
  for (const f of ["options", "meta"] as const) {
    if (obj[f] !== undefined && (typeof obj[f] !== "object" || obj[f] === null || Array.isArray(obj[f]))) {
      fail(`field "${f}" must be an object when present`);
    }
  }
  const dict = obj.stateDict;
  if (typeof dict !== "object" || dict === null || Array.isArray(dict))
    fail(`field "stateDict" must be an object`);
  const stateDict = dict as NestedStateDict;
  if (Object.keys(stateDict).length === 0) fail(`field "stateDict" is empty`);
  for (const [key, tensor] of Object.entries(stateDict)) {
    try {
      shapeOf(tensor, key);
    } catch (e) {
      fail(`stateDict.${(e as Error).message}`);
    }
  }
  const actual = stateDictChecksum(stateDict);
  if (actual !== obj.checksum) {
    fail(
      `checksum mismatch (file says ${String(obj.checksum)}, weights hash to ${actual}): the file is corrupt or was edited`,
    );
  }
  return obj as unknown as SavedPolicy;
}
