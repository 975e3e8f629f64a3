/**
 * What `lowrank-rl sweep --dry-run` prints per job besides its id: the configuration, as the
 * fields that differ between the sweep's jobs (the grid's and random search's axes) and the seed.
 */

/** `key=value` for every field whose value differs between `configs`, then the seed; one string per config. */
export function describeConfigs(configs: readonly Record<string, unknown>[]): string[] {
  const show = (v: unknown) =>
    typeof v === "number" || typeof v === "string" || typeof v === "boolean"
      ? String(v)
      : JSON.stringify(v ?? null);
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))]
    .filter((k) => k !== "seed")
    .filter((k) => new Set(configs.map((c) => show(c[k]))).size > 1);
  return configs.map((c) =>
    [...keys.filter((k) => c[k] !== undefined).map((k) => `${k}=${show(c[k])}`), `seed=${show(c.seed)}`].join(
      " ",
    ),
  );
}
