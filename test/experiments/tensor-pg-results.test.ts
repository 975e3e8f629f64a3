import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

const method = (name: string, perSeed: (number | null)[], median: number | null, sps: number[]) => ({
  name,
  algo: name.split("/")[0],
  model: name.split("/")[1],
  params: 300,
  episodes: 300,
  seeds: perSeed.map((_, i) => i),
  episodes_to_threshold: perSeed,
  median_episodes_to_threshold: median,
  iqr_episodes_to_threshold: [null, null],
  reached: perSeed.filter((x) => x !== null).length,
  final_mean_return_per_seed: perSeed.map((x) => (x === null ? -1500 : null)),
  steps_per_cpu_second: sps,
});

describe("experiments/tensor-pg-results.ts", () => {
  it("writes the results page from summary.json files: commands, per-seed episodes, medians vs the reference, speed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tensor-pg-results-"));
    try {
      const summary = join(dir, "summary.json");
      writeFileSync(
        summary,
        JSON.stringify({
          experiment: "tensor-pendulum",
          hyperparameters: { protocol: "reference", threshold: -1000, window: 10, stop_at_threshold: true },
          methods: [method("trpo/tensor", [150, 170, null], 170, [40000, 46000, 50000])],
        }),
      );
      // trpo/nn split over two processes (seeds 0, 1 and 2, 3): merged into one row
      const nnA = join(dir, "nn-a.json");
      const nnB = join(dir, "nn-b.json");
      const nn = (seeds: number[], perSeed: number[]) => ({
        experiment: "tensor-pendulum",
        hyperparameters: { protocol: "reference", threshold: -1000, window: 10, stop_at_threshold: true },
        methods: [{ ...method("trpo/nn", perSeed, perSeed[0], [7000, 7100]), seeds: seeds }],
      });
      writeFileSync(nnA, JSON.stringify(nn([0, 1], [180, 200])));
      writeFileSync(nnB, JSON.stringify(nn([2, 3], [160, 170])));
      const out = join(dir, "page.md");
      const args = [
        "experiments/tensor-pg-results.ts",
        summary,
        nnA,
        nnB,
        "--out",
        out,
        "--note",
        "measured here",
      ];
      await run(TSX, args, { timeout: 60_000 });
      const page = readFileSync(out, "utf8");
      expect(page).toContain(
        "npm run exp:tensor-pendulum -- --algo trpo --model tensor --protocol reference --seeds 3 --episodes 300 --stop-at-threshold",
      );
      expect(page).toContain(
        "| trpo/tensor | 300 | reference | 3 | 300 | 150, 170, >300 | 170 [n/a, n/a] | 2/3 |",
      );
      expect(page).toContain("| 157 [157, 162], 5 seeds | +8 % | -1500 (1 full-length) |");
      expect(page).toContain("| trpo/tensor | 46000 | 40000 – 50000 | 10.0× |");
      expect(page).toContain("measured here");
      // median over the 4 merged seeds (160, 170, 180, 200) = 175, quartiles by linear interpolation
      expect(page).toContain(
        "| trpo/nn | 300 | reference | 4 | 300 | 180, 200, 160, 170 | 175 [167.5, 185] | 4/4 |",
      );
      expect(page).toContain("| 175 [173, 178], 5 seeds | +0 % |");
      expect(page).toContain("--seeds 2..3 --episodes 300 --stop-at-threshold");
      // the same seeds twice is refused
      const twice = await run(TSX, ["experiments/tensor-pg-results.ts", nnA, nnA, "--out", out]).catch(
        (e: { stderr: string }) => e,
      );
      expect((twice as { stderr: string }).stderr).toMatch(/repeats seeds already read from another file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("adds the many-seed section (median, IQR, CPU seconds of all runs) and the bench before/after table with the reference ratios", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tensor-pg-results-"));
    try {
      const many = join(dir, "many.json");
      // seeds 0, 1 stop at 150 and 200 episodes; seed 2 runs all 300: 1 000 steps per episode
      writeFileSync(
        many,
        JSON.stringify({
          experiment: "tensor-pendulum",
          hyperparameters: {
            protocol: "reference",
            threshold: -1000,
            window: 10,
            stop_at_threshold: true,
            max_steps: 1000,
          },
          methods: [
            {
              ...method("trpo/tensor", [150, 200, null], 200, [150_000, 200_000, 300_000]),
              iqr_episodes_to_threshold: [175, null],
            },
          ],
        }),
      );
      const before = join(dir, "before.json");
      const after = join(dir, "after.json");
      writeFileSync(before, JSON.stringify({ "tensor-pg.trpo.tensor.steps_per_cpu_s": 50_000 }));
      writeFileSync(after, JSON.stringify({ "tensor-pg.trpo.tensor.steps_per_cpu_s": 530_000 }));
      const out = join(dir, "page.md");
      await run(
        TSX,
        [
          "experiments/tensor-pg-results.ts",
          many,
          "--out",
          out,
          "--many",
          many,
          "--bench-before",
          before,
          "--bench-after",
          after,
        ],
        { timeout: 60_000 },
      );
      const page = readFileSync(out, "utf8");
      expect(page).toContain("## 3 runs");
      // (150 000 / 150 000) + (200 000 / 200 000) + (300 000 / 300 000) = 3 CPU seconds
      expect(page).toContain("| trpo/tensor | 3 | 200 [175, n/a] | 2/3 | 3 |");
      // 530 000 / 5 300 = 100, / 3 900 ≈ 136
      expect(page).toContain("| trpo/tensor | 50000 | 530000 | 10.6× | 100× – 136× |");
      const half = await run(TSX, [
        "experiments/tensor-pg-results.ts",
        many,
        "--out",
        out,
        "--bench-before",
        before,
      ]).catch((e: { stderr: string }) => e);
      expect((half as { stderr: string }).stderr).toMatch(/--bench-before and --bench-after go together/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
