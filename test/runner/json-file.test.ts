import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonFile } from "../../src/runner/json-file.js";
import { readManifest } from "../../src/runner/manifest.js";
import { readMetrics } from "../../src/runner/metrics.js";

describe("run files that do not parse name the file (and the line)", () => {
  it("metrics.jsonl: the bad line's number", () => {
    const dir = mkdtempSync(join(tmpdir(), "jsonl-"));
    writeFileSync(join(dir, "metrics.jsonl"), '{"a":1}\n\n{"a":2}\n{"a": "unterminated\n');
    expect(() => readMetrics(dir)).toThrow(`${join(dir, "metrics.jsonl")}:4: not a valid JSON line`);
    writeFileSync(join(dir, "metrics.jsonl"), '{"a":1}\n\n{"a":2}\n');
    expect(readMetrics(dir)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("a JSON file and a manifest holding null", () => {
    const dir = mkdtempSync(join(tmpdir(), "json-"));
    writeFileSync(join(dir, "final_params.json"), "{ nope");
    expect(() => readJsonFile(join(dir, "final_params.json"), "the final parameters")).toThrow(
      /final_params\.json: not valid JSON, expected the final parameters \(/,
    );
    expect(() => readJsonFile(join(dir, "missing.json"), "a state dict")).toThrow(
      /missing\.json: cannot read a state dict \(ENOENT\)/,
    );
    writeFileSync(join(dir, "manifest.json"), "null");
    expect(() => readManifest(dir)).toThrow(
      /manifest\.json: not a lowrank-rl run manifest \(expected a JSON object, got null\)/,
    );
  });
});
