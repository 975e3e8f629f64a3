import { join } from "node:path";
import { EventFileWriter, type Scalar } from "../../src/runner/tensorboard.js";

/** Where the golden event file lies, and the fixed input that wrote it. */
export const GOLDEN_DIR = join(import.meta.dirname, "fixtures", "tensorboard");
export const GOLDEN_HOST = "golden-host";
export const GOLDEN_START = 1_700_000_000.25;

/** Fixed rows: steps from 1 to past 2³² (multi-byte varints), a value not exact in float32, a zero. */
export const GOLDEN_ROWS: readonly { wallTime: number; step: number; scalars: Scalar[] }[] = [
  {
    wallTime: 1_700_000_001.5,
    step: 1,
    scalars: [
      { tag: "charts/episodic_return", value: -123.5 },
      { tag: "charts/episodic_length", value: 200 },
    ],
  },
  {
    wallTime: 1_700_000_002.75,
    step: 300,
    scalars: [
      { tag: "losses/actor", value: 0.1 },
      { tag: "losses/critic", value: 2.5e-7 },
    ],
  },
  { wallTime: 1_700_000_003, step: 0, scalars: [{ tag: "eval/episodic_return", value: 0 }] },
  {
    wallTime: 1_700_000_004.125,
    step: 2 ** 40 + 3,
    scalars: [
      { tag: "charts/SPS", value: 1234 },
      { tag: "charts/learning_rate", value: 0.00025 },
    ],
  },
];

/** Writes the golden input into `dir` with a clock that returns the fixed wall times; returns the file's path. */
export function writeGoldenInput(dir: string): string {
  const times = [GOLDEN_START, ...GOLDEN_ROWS.map((r) => r.wallTime)];
  let i = 0;
  const w = EventFileWriter.create(dir, { now: () => times[i++], host: GOLDEN_HOST });
  for (const row of GOLDEN_ROWS) w.scalars(row.step, row.scalars);
  w.close();
  return join(dir, w.file);
}
