/**
 * What `lowrank-rl laser` runs: loads the policy, sweeps the rank reductions, writes the outputs.
 * Kept apart from the command's options (./laser.ts) so the CLI loads it only for this command.
 */
import { basename, join } from "node:path";
import {
  writeLaserOutputs,
  laserRowsToMarkdown,
  selectionSentence,
  type LaserOutputFiles,
} from "../laser/laser-output.js";
import { loadPolicySource } from "../laser/policy-source.js";
import { runLaser, type LaserReport, type LaserRunOptions } from "../laser/run-laser.js";
import { ConfigError } from "../runner/config.js";
import { outputPathProblem } from "../runner/output-path.js";
import { LASER_COMMAND_DEFAULTS, type LaserCommandOptions } from "./laser.js";

/** Maps command options to {@link runLaser} options. */
export function laserRunOptions(
  o: LaserCommandOptions,
  onProgress?: LaserRunOptions["onTrial"],
): LaserRunOptions {
  const explicitGrid = o.ranks !== undefined || o.fractions !== undefined;
  return {
    episodes: o.episodes,
    seedBase: o.seedBase,
    mode: o.mode,
    maxSteps: o.maxSteps,
    epsilon: o.epsilon,
    layers: o.layers,
    grid: {
      ranks: o.ranks ?? (explicitGrid ? [] : LASER_COMMAND_DEFAULTS.ranks),
      fractions: o.fractions ?? (explicitGrid ? [] : LASER_COMMAND_DEFAULTS.fractions),
      // The default grid is meant for layers of every size; ranks the user typed must exist.
      aboveMaxRank: o.skipAboveMax || !explicitGrid ? "skip" : "error",
    },
    kernels: o.kernels ? undefined : false,
    kernelGrid: {
      cpRanks: o.cpRanks,
      tuckerFractions: o.tuckerFractions,
      tuckerKeepModes: o.tuckerKeepModes,
    },
    bootstrap: { resamples: o.resamples, confidence: o.confidence, seed: o.bootstrapSeed },
    onTrial: onProgress,
  };
}

/** Runs the command: loads the policy, sweeps, writes the outputs; returns the report and file paths. */
export function runLaserCommand(
  policyPath: string,
  o: LaserCommandOptions,
  write: (text: string) => void = (t) => process.stdout.write(t),
): { report: LaserReport; files: LaserOutputFiles } {
  const source = loadPolicySource(policyPath);
  const progress: LaserRunOptions["onTrial"] = o.quiet
    ? undefined
    : (sweep, row, done, total) =>
        process.stderr.write(
          `  [${sweep} ${done}/${total}] ${row.layer} ${row.method} rank ${row.rankLabel}: Δ = ${row.meanDelta.toPrecision(4)} [${row.ciLow.toPrecision(3)}, ${row.ciHigh.toPrecision(3)}]\n`,
        );
  const out = o.out ?? join("results", "laser", basename(policyPath).replace(/\.json$/, "") || "policy");
  // Checked before the sweep runs, so a bad --out does not cost (or lose) its result.
  const problem = outputPathProblem("--out", out, "dir");
  if (problem !== null) throw new ConfigError("out", problem);
  const report = runLaser(source, laserRunOptions(o, progress));
  const files = writeLaserOutputs(report, out, { plotly: o.inlinePlotly ? "inline" : "copy" });
  if (!o.quiet) {
    const b = report.svd?.baseline ?? report.kernels?.baseline;
    write(`${report.policy.description}\n`);
    if (b)
      write(
        `baseline: mean return ${b.meanReturn.toPrecision(6)} ± ${b.stdReturn.toPrecision(4)} over ${b.episodes} ${report.evaluation.mode} episodes\n`,
      );
    write(`null controls exact: ${report.nullControlExact ? "yes" : "NO"}\n`);
    write(`${selectionSentence(report)}\n\n`);
    if (report.svd) write(laserRowsToMarkdown(report.svd.rows) + "\n");
    if (report.kernels) write(laserRowsToMarkdown(report.kernels.rows) + "\n");
    write(
      `wrote ${[files.csv, files.kernelCsv, files.markdown, files.json, files.html].filter(Boolean).join(", ")}\n`,
    );
  }
  return { report, files };
}

