import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readMetrics } from "../../src/runner/metrics.js";
import { executeRun } from "../../src/runner/run.js";
import { listEventFiles, TENSORBOARD_DIR } from "../../src/runner/tensorboard.js";
import { rowScalars } from "../../src/runner/tensorboard-metrics.js";
import { linearFactory } from "./fake-agent.js";
import { GOLDEN_DIR, GOLDEN_ROWS, GOLDEN_START, writeGoldenInput } from "./tensorboard-golden.js";

/**
 * An independent reader: Debian's Python with its protobuf runtime (python3-protobuf) decodes the
 * event files with the public Event/Summary messages (fixtures/tensorboard/event.proto) and checks
 * both CRCs of every record. `.ci/run` installs the package.
 */
const PYTHON = "/usr/bin/python3";
const READER = join(GOLDEN_DIR, "read_events.py");

interface PyEvent {
  wall_time: number;
  step: number;
  file_version: string;
  values: { tag: string; simple_value: number }[];
}

function readWithPython(paths: string[]): PyEvent[][] {
  if (!existsSync(PYTHON))
    throw new Error(
      `${PYTHON} is missing: install Debian's python3 and python3-protobuf (apt-get install python3-protobuf)`,
    );
  const r = spawnSync(PYTHON, [READER, ...paths], { encoding: "utf8", timeout: 60_000 });
  if (r.status === 3)
    throw new Error(
      `${PYTHON} has no protobuf runtime: install Debian's python3-protobuf (${r.stderr.trim()})`,
    );
  if (r.status !== 0) throw new Error(`${READER} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as { files: { events: PyEvent[] }[] }).files.map((f) => f.events);
}

describe("TensorBoard event files read back by Python protobuf", () => {
  it("the golden file and a fresh write of its input decode to the same scalars, CRCs checked", () => {
    const fresh = writeGoldenInput(mkdtempSync(join(tmpdir(), "tb-py-")));
    const golden = join(GOLDEN_DIR, listEventFiles(GOLDEN_DIR)[0]);
    const [a, b] = readWithPython([golden, fresh]);
    expect(a).toEqual(b);
    expect(a[0]).toEqual({ wall_time: GOLDEN_START, step: 0, file_version: "brain.Event:2", values: [] });
    expect(a.slice(1)).toEqual(
      GOLDEN_ROWS.map((r) => ({
        wall_time: r.wallTime,
        step: r.step,
        file_version: "",
        values: r.scalars.map((s) => ({ tag: s.tag, simple_value: Math.fround(s.value) })),
      })),
    );
  });

  it("the reader refuses a file with a flipped payload byte (its CRC check is live)", () => {
    const path = writeGoldenInput(mkdtempSync(join(tmpdir(), "tb-py-bad-")));
    const bytes = readFileSync(path);
    bytes[60] ^= 0x01; // inside the second record's payload
    writeFileSync(path, bytes);
    expect(() => readWithPython([path])).toThrow(/bad data CRC at byte 40/);
  });

  it("a run's event file holds every metric row's scalars at its global step", async () => {
    const run = await executeRun(
      { env: "LRPG/Pendulum", algo: "lrpg", episodes: 25, seed: 4, checkpointEvery: 10, snapshotEvery: 0 },
      { dir: mkdtempSync(join(tmpdir(), "tb-py-run-")), agentFactory: linearFactory },
    );
    const tb = join(run.dir, TENSORBOARD_DIR);
    const [events] = readWithPython([join(tb, listEventFiles(tb)[0])]);
    const rows = readMetrics(run.dir);
    expect(events[0].file_version).toBe("brain.Event:2");
    expect(events.slice(1).map((e) => ({ step: e.step, values: e.values }))).toEqual(
      rows.map((r) => ({
        step: r.global_step,
        values: rowScalars(r).map((s) => ({ tag: s.tag, simple_value: Math.fround(s.value) })),
      })),
    );
    for (const e of events) expect(e.wall_time).toBeGreaterThan(1.6e9);
  });
});
