import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkpointFileName,
  listCheckpoints,
  loadLatestCheckpoint,
  readCheckpointFile,
  saveCheckpoint,
} from "../../src/runner/checkpoint.js";

describe("checkpoints", () => {
  it("round-trips doubles exactly and keeps only the newest `keep` files", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    const values = [0.1 + 0.2, -1e-310, 1.7976931348623157e308, -0, 5e-324];
    for (const e of [10, 20, 30]) saveCheckpoint(dir, e, { e, values }, 2);
    expect(listCheckpoints(dir).map((c) => c.episode)).toEqual([20, 30]);
    const got = loadLatestCheckpoint<{ e: number; values: number[] }>(dir);
    expect(got?.episode).toBe(30);
    expect(got?.payload.values.map((v) => (Object.is(v, -0) ? 0 : v))).toEqual(
      values.map((v) => (Object.is(v, -0) ? 0 : v)),
    );
    expect(readdirSync(dir).some((f) => f.includes(".tmp"))).toBe(false);
  });
  it("detects a corrupt or truncated newest checkpoint and falls back to the previous one", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    saveCheckpoint(dir, 1, { x: 1 });
    const newest = saveCheckpoint(dir, 2, { x: 2 });
    const text = readFileSync(newest, "utf8");
    writeFileSync(newest, text.replace('{"x":2}', '{"x":3}'));
    expect(() => readCheckpointFile(newest)).toThrow(/checksum mismatch|bytes/);
    const warnings: string[] = [];
    expect(loadLatestCheckpoint<{ x: number }>(dir, (m) => warnings.push(m))?.payload.x).toBe(1);
    expect(warnings[0]).toContain(checkpointFileName(2));
    writeFileSync(newest, text.slice(0, text.length / 2));
    expect(() => readCheckpointFile(newest)).toThrow(/truncated/);
    expect(loadLatestCheckpoint<{ x: number }>(dir, () => {})?.payload.x).toBe(1);
  });
  it("returns null when there is no usable checkpoint", () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    expect(loadLatestCheckpoint(dir)).toBeNull();
    expect(loadLatestCheckpoint(join(dir, "missing"))).toBeNull();
  });
});
