import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRIC, MetricsWriter, readMetrics } from "../../src/runner/metrics.js";

describe("MetricsWriter", () => {
  it("writes CleanRL names to JSONL and a CSV starting with the episode and its return", () => {
    const dir = mkdtempSync(join(tmpdir(), "metrics-"));
    const w = MetricsWriter.create(dir);
    w.write({ episode: 1, [METRIC.episodicReturn]: 0.1 + 0.2, [METRIC.lossActor]: -1.5 });
    w.write({ episode: 2, [METRIC.episodicReturn]: 7 });
    w.close();
    const csv = readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n");
    expect(csv[0].startsWith("episode,charts/episodic_return,")).toBe(true);
    expect(csv[1].startsWith("1,0.30000000000000004,")).toBe(true);
    const rows = readMetrics(dir);
    expect(rows[0][METRIC.episodicReturn]).toBe(0.1 + 0.2);
    expect(rows[1]).toEqual({ episode: 2, [METRIC.episodicReturn]: 7 });
    expect(() => MetricsWriter.create(dir).write({ bogus: 1 })).toThrow(/unknown column "bogus"/);
  });
  it("resume cuts both files back to the offset", () => {
    const dir = mkdtempSync(join(tmpdir(), "metrics-"));
    const w = MetricsWriter.create(dir);
    w.write({ episode: 1, [METRIC.episodicReturn]: 1 });
    const offset = w.getOffset();
    w.write({ episode: 2, [METRIC.episodicReturn]: 2 });
    w.close();
    const r = MetricsWriter.resume(dir, offset);
    r.write({ episode: 2, [METRIC.episodicReturn]: 22 });
    r.close();
    expect(readMetrics(dir).map((x) => x[METRIC.episodicReturn])).toEqual([1, 22]);
    expect(readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n")).toHaveLength(3);
  });
});
