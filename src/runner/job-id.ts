import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * A job's id: the first 16 hex digits of SHA-256(canonical JSON of {config, seed, version}).
 * The same config, seed and package version always give the same id, so a sweep can tell
 * which of its jobs are already done.
 */
export function jobId(config: unknown, seed: number, version: string): string {
  return createHash("sha256")
    .update(canonicalJson({ config, seed, version }), "utf8")
    .digest("hex")
    .slice(0, 16);
}
