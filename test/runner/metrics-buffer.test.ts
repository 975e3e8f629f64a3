import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { METRIC, METRICS_FLUSH_MS, MetricsWriter, readMetrics } from "../../src/runner/metrics.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "metrics-buffer-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const csvLines = (dir: string) => readFileSync(join(dir, "metrics.csv"), "utf8").split("\n").length - 1;

describe("MetricsWriter buffers rows", () => {
  it("holds rows in memory until getOffset (a checkpoint) writes them all, then counts them", () => {
    const dir = tmp();
    const w = MetricsWriter.create(dir, undefined, { tensorboard: true });
    for (let e = 1; e <= 3; e++) w.write({ episode: e, [METRIC.episodicReturn]: e / 10 });
    expect(readFileSync(join(dir, "metrics.jsonl"), "utf8")).toBe("");
    expect(csvLines(dir)).toBe(1); // the header only
    const offset = w.getOffset();
    expect(offset.rows).toBe(3);
    expect(readMetrics(dir).map((r) => r.episode)).toEqual([1, 2, 3]);
    expect(offset.jsonlBytes).toBe(readFileSync(join(dir, "metrics.jsonl")).length);
    expect(offset.tensorboard!.bytes).toBeGreaterThan(0);
    w.write({ episode: 4, [METRIC.episodicReturn]: 0.4 });
    w.close();
    expect(readMetrics(dir).map((r) => r.episode)).toEqual([1, 2, 3, 4]);
    expect(csvLines(dir)).toBe(5);
  });

  it("a bad row still throws at once, before anything is buffered", () => {
    const dir = tmp();
    const w = MetricsWriter.create(dir);
    expect(() => w.write({ episode: 1, nope: 2 })).toThrow(/unknown column "nope"/);
    w.close();
    expect(readMetrics(dir)).toEqual([]);
  });

  it(`a timer writes buffered rows within ${METRICS_FLUSH_MS} ms when the event loop runs`, async () => {
    const dir = tmp();
    const w = MetricsWriter.create(dir);
    w.write({ episode: 1, [METRIC.episodicReturn]: 1 });
    expect(readMetrics(dir)).toEqual([]);
    await new Promise((done) => setTimeout(done, METRICS_FLUSH_MS + 200));
    expect(readMetrics(dir)).toEqual([{ episode: 1, [METRIC.episodicReturn]: 1 }]);
    w.close();
  });

  it("rows still buffered when the process exits are written", () => {
    const dir = tmp();
    const module = pathToFileURL(resolve(import.meta.dirname, "../../src/runner/metrics.ts")).href;
    const code = `const { MetricsWriter } = await import(${JSON.stringify(module)});
      const w = MetricsWriter.create(${JSON.stringify(dir)});
      for (let e = 1; e <= 5; e++) w.write({ episode: e });
      process.exit(0);`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readMetrics(dir).map((row) => row.episode)).toEqual([1, 2, 3, 4, 5]);
  });
});
