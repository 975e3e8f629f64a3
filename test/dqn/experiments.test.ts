import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

interface Summary {
  variants: { name: string; params: number; final_eval_return: number | null; run_dirs: string[] }[];
}

/** Checks every run dir; `spectrumFor(run)`: whether that run tracks a spectrum; `trained`: whether updates happened. */
function checkRunDirs(
  out: string,
  expected: number,
  spectrumFor: (run: string) => boolean,
  trained: boolean,
): string[] {
  const runs = readdirSync(join(out, "runs"));
  expect(runs).toHaveLength(expected);
  for (const r of runs) {
    const dir = join(out, "runs", r);
    for (const f of ["manifest.json", "metrics.jsonl", "metrics.csv", "eval.json"])
      expect(existsSync(join(dir, f)), `${r}/${f}`).toBe(true);
    expect(existsSync(join(dir, "spectra.jsonl")), `${r}/spectra.jsonl`).toBe(spectrumFor(r));
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("completed");
    const rows = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows.some((x) => "charts/episodic_return" in x)).toBe(true);
    expect(rows.some((x) => "losses/td_loss" in x && "charts/SPS" in x)).toBe(trained);
    expect(rows.some((x) => "eval/episodic_return" in x)).toBe(true);
    expect(rows.some((x) => "spectrum/effective_rank" in x)).toBe(spectrumFor(r));
  }
  for (const f of ["summary.json", "curves.json", "report.html"]) expect(existsSync(join(out, f))).toBe(true);
  return runs;
}

describe("DQN experiment scripts (tiny budgets)", () => {
  it("exp:breakout runs the requested variants and writes run dirs, spectra, a saved policy, summary and curves", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-breakout-"));
    await run(
      TSX,
      ["experiments/breakout.ts", "--variants", "dense,trl-0.1", "--frames", "1200", "--out", out, "--quiet"],
      { timeout: 300_000 },
    );
    // 1200 frames < 5000 replay-start frames: no update yet; the TRL hidden layer has no matrix spectrum.
    const runs = checkRunDirs(out, 2, (r) => r.includes("dqn-dense"), false);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
    expect(summary.variants.map((v) => [v.name, v.params])).toEqual([
      ["dense", 132_566],
      ["trl-0.1", 15_590],
    ]);
    expect(summary.variants.every((v) => typeof v.final_eval_return === "number")).toBe(true);
    const dense = runs.find((r) => r.includes("dqn-dense"));
    expect(existsSync(join(out, "runs", dense ?? "", "policy.json"))).toBe(true);
    const curves = JSON.parse(readFileSync(join(out, "curves.json"), "utf8"));
    expect(curves.return_vs_params).toHaveLength(2);
  }, 600_000);

  it("exp:breakout's Rainbow-style variant runs the preset's settings on a TRL hidden layer", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-breakout-rainbow-"));
    await run(
      TSX,
      [
        "experiments/breakout.ts",
        "--variants",
        "rainbow-trl-0.1",
        "--frames",
        "1800",
        "--out",
        out,
        "--quiet",
      ],
      { timeout: 300_000 },
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
    // TRL ⅒ network (15 590) with the 128 → 6 layer (774) replaced by a dueling C51 head:
    // value 129·51 + advantage 129·6·51.
    expect(summary.variants.map((v) => [v.name, v.params])).toEqual([
      ["rainbow-trl-0.1", 15_590 - 774 + 129 * 51 + 129 * 306],
    ]);
    const [dir] = summary.variants[0].run_dirs;
    expect(dir).toMatch(/__dqn-rainbow-denoised-trl-0\.1__/); // the preset names the run folder
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
      config: Record<string, unknown>;
    };
    expect(m.config).toMatchObject({
      network: "trl-0.1",
      preset: "rainbow-denoised",
      replay: "prioritized",
      head: "dueling-c51",
      nStep: 3,
      optimizer: "adam",
      learningStarts: 1600,
    });
    rmSync(out, { recursive: true, force: true });
  }, 600_000);

  it("exp:cartpole-dqn runs and rejects unknown variants with a clear message", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-cartpole-dqn-"));
    await run(
      TSX,
      [
        "experiments/cartpole-dqn.ts",
        "--variants",
        "dense,lowrank-rank8",
        "--seeds",
        "1",
        "--frames",
        "2500",
        "--out",
        out,
        "--quiet",
      ],
      { timeout: 300_000 },
    );
    checkRunDirs(out, 2, () => true, true);
    await expect(
      run(TSX, ["experiments/cartpole-dqn.ts", "--variants", "dense,bogus"], { timeout: 60_000 }),
    ).rejects.toThrow(/unknown variant "bogus"/);
  }, 600_000);
});
