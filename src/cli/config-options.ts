import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { ConfigError, FIELD_DOCS, type RunConfigInput } from "../runner/config.js";
import { A2C_FIELD_DOCS } from "../runner/a2c-fields.js";
import { DQN_FIELD_DOCS } from "../runner/dqn-config.js";
import { LRQ_FIELD_DOCS } from "../runner/lrq-config.js";

/** Config fields whose values are numbers on the command line (the rest stay strings). */
const NUMBER_FIELDS = new Set([
  "seed",
  "episodes",
  "maxSteps",
  "gamma",
  "rank",
  "actorBuckets",
  "criticBuckets",
  "hidden",
  "checkpointEvery",
  "checkpointMinSeconds",
  "keepCheckpoints",
  "evalEvery",
  "evalEpisodes",
  "snapshotEvery",
  "population",
]);
/** Fields that take a number or a mathjs expression. */
const SCHEDULE_FIELDS = new Set(["lrActor", "lrCritic"]);

/** Adds one `--flag` per config field (help shows the allowed range and the default) and `--config <file>`. */
export function addConfigOptions(cmd: Command): Command {
  cmd.addOption(
    new Option("--config <file.json>", "JSON file of config fields; flags given as well override it"),
  );
  for (const doc of FIELD_DOCS) {
    if (!doc.flag) continue;
    cmd.addOption(new Option(doc.flag, `${doc.description}; ${doc.allowed} (default: ${doc.defaultText})`));
  }
  for (const doc of DQN_FIELD_DOCS) {
    cmd.addOption(new Option(doc.flag, `${doc.description}; ${doc.allowed} (default: per env)`));
    if (doc.name === "double")
      cmd.addOption(new Option("--no-double", "DQN: plain (not Double) DQN targets"));
  }
  for (const doc of LRQ_FIELD_DOCS)
    cmd.addOption(new Option(doc.flag, `${doc.description}; ${doc.allowed} (default: per env)`));
  return cmd;
}

/** Decimal notation only: `0x3`, `0b1`, `Infinity` and blank text stay text (and fail validation by name). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number when the text is a decimal number; else the text (validation names the field, the value and the range). */
export function numberOrText(text: string): number | string {
  return DECIMAL.test(text.trim()) ? Number(text) : text;
}

function flagValue(field: string, text: string): number | string {
  return NUMBER_FIELDS.has(field) || SCHEDULE_FIELDS.has(field) ? numberOrText(text) : text;
}

/** The raw config from `--config` (if any) overlaid with the flags given. Not yet validated. */
export function rawConfigFromOptions(opts: Record<string, unknown>): RunConfigInput {
  let base: Record<string, unknown> = {};
  if (typeof opts.config === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(opts.config, "utf8"));
    } catch (err) {
      throw new ConfigError(
        "config",
        `--config ${opts.config}: not a readable JSON file (${(err as Error).message})`,
      );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ConfigError("config", `--config ${opts.config}: must hold a JSON object of config fields`);
    }
    base = { ...(parsed as Record<string, unknown>) };
  }
  for (const doc of FIELD_DOCS) {
    const v = opts[doc.name];
    if (typeof v === "string") base[doc.name] = flagValue(doc.name, v);
    // `--no-<field>` flags: only the negation given on the command line is a config value.
    else if (v === false) base[doc.name] = false;
  }
  for (const doc of DQN_FIELD_DOCS) {
    const v = opts[doc.name];
    if (typeof v === "boolean") base[doc.name] = v;
    else if (typeof v !== "string") continue;
    else if (doc.name === "maxGradNorm") base[doc.name] = v.trim() === "none" ? null : numberOrText(v);
    else base[doc.name] = doc.number ? numberOrText(v) : v;
  }
  for (const doc of LRQ_FIELD_DOCS) {
    const v = opts[doc.name];
    if (typeof v === "string") base[doc.name] = doc.number ? numberOrText(v) : v;
  }
  // The a2c flags too: a config of another algo then refuses them by name instead of ignoring them.
  for (const doc of A2C_FIELD_DOCS) {
    const v = opts[doc.name];
    if (typeof v === "string") base[doc.name] = doc.number ? numberOrText(v) : v;
  }
  return base as RunConfigInput;
}
