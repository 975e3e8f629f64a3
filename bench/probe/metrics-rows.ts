/**
 * Writes `rows` metric rows shaped like a policy-gradient run's (the pendulum's columns, a
 * getOffset every 100 rows as a checkpoint would) into a temporary folder and prints the CPU
 * milliseconds of the writing alone (the imports before it are not counted). Run in a fresh
 * process by `bench/suites/nn-startup.ts`: a short run's rows are written by code V8 has not
 * optimized yet, which is what this measures.
 *
 *   node --import tsx bench/probe/metrics-rows.ts ROWS tb|no-tb
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { METRIC, MetricsWriter } from "../../src/runner/metrics.js";

const rows = Number(process.argv[2] ?? 1000);
const tensorboard = process.argv[3] !== "no-tb";
const dir = mkdtempSync(join(tmpdir(), "bench-metric-rows-"));
try {
  const c0 = process.cpuUsage();
  const w = MetricsWriter.create(dir, undefined, { tensorboard });
  let globalStep = 0;
  for (let e = 1; e <= rows; e++) {
    const steps = 50 + (e % 51);
    globalStep += steps;
    w.write({
      episode: e,
      [METRIC.episodicReturn]: 100 * Math.sin(e) + 0.123456789,
      [METRIC.episodicLength]: steps,
      global_step: globalStep,
      [METRIC.sps]: 650_000 + e,
      [METRIC.lossActor]: 3.3 * Math.cos(e),
      [METRIC.lossCritic]: 300 + Math.sin(1.7 * e),
      [METRIC.learningRateActor]: 0.01,
      [METRIC.learningRateCritic]: 0.1,
    });
    if (e % 100 === 0) w.getOffset();
  }
  w.close();
  const c = process.cpuUsage(c0);
  process.stdout.write(`${(c.user + c.system) / 1000}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
