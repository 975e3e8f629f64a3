import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  renderResults,
  resultsDocSources,
  ResultsDocError,
  updateResultsDoc,
} from "../../experiments/lib/results-doc.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** A two-seed paper summary with the fields experiments/paper.ts writes. */
const paperSummary = {
  experiment: "paper",
  package_version: "0.1.0",
  git_commit: "0123456789abcdef0123456789abcdef01234567",
  node_version: "v20.0.0",
  threads: 2,
  seeds: [0, 1],
  wall_time_s: 12.34,
  cpu_time_s: 20.5,
  tasks: [
    {
      task: "pendulum",
      env: "LRPG/Pendulum",
      episodes: 50,
      threshold: 90,
      reference: { lrpg_median_episodes_to_threshold: 127, nn_median_episodes_to_threshold: 405, runs: 10 },
      baselines: [],
      methods: [
        {
          name: "LRPG",
          algo: "lrpg",
          params: 208,
          paper_params: 160,
          seeds: [0, 1],
          episodes_to_threshold: [31, null],
          median_episodes_to_threshold: null,
          iqr_episodes_to_threshold: [31, null],
          reached: "1/2",
          final_return_median: 88.25,
          final_return_iqr: [87, 89.5],
          final_return_per_seed: [89.5, 87],
          last_episode_return_median: 90.5,
          run_dirs: ["a", "b"],
          statuses: ["completed", "completed"],
        },
      ],
    },
  ],
};

describe("results pages are rendered from result files", () => {
  it("a paper summary renders the table, every per-seed number and the provenance", () => {
    const md = renderResults("paper", paperSummary, "data/p.json");
    expect(md).toContain("2 runs per task and method (seeds 0, 1); commit 0123456, package 0.1.0");
    expect(md).toContain("wall time 12.3 s on 2 threads, process CPU 20.5 s");
    expect(md).toContain(
      "| pendulum (50 ep, MA20 ≥ 90) | LRPG | 208 | 160 | never [31, never] | 1/2 | 127 (10) | 88.3 [87, 89.5] | 90.5 |",
    );
    expect(md).toContain("- pendulum LRPG: 31, never");
    expect(md).toContain("from `data/p.json`");
  });

  it("a block is replaced from its file; text around it is kept; a page without blocks is unchanged", () => {
    const page = [
      "# Results",
      "typed prose",
      "<!-- results-doc: paper data/p.json -->",
      "stale table typed by hand",
      "<!-- /results-doc -->",
      "more prose",
    ].join("\n");
    const read = (p: string) => {
      expect(p).toBe("data/p.json");
      return paperSummary;
    };
    const out = updateResultsDoc(page, read);
    expect(out).not.toContain("stale table");
    expect(out.startsWith("# Results\ntyped prose\n<!-- results-doc: paper data/p.json -->\n2 runs")).toBe(
      true,
    );
    expect(out.endsWith("<!-- /results-doc -->\nmore prose")).toBe(true);
    expect(updateResultsDoc(out, read)).toBe(out);
    expect(resultsDocSources(page)).toEqual(["data/p.json"]);
    expect(updateResultsDoc("no blocks", read)).toBe("no blocks");
  });

  it("DQN and A2C summaries render one row per variant", () => {
    const dqn = renderResults(
      "dqn",
      {
        env: "MinAtar/Breakout",
        seeds: [0, 1],
        frames: 1000,
        variants: [
          {
            name: "dense",
            family: "dense",
            params: 100,
            final_train_return_last100: 1.5,
            final_train_return_per_seed: [1, 2],
            final_eval_return: 2.25,
            frames_per_s: 444.4,
          },
        ],
      },
      "b.json",
    );
    expect(dqn).toContain("| dense | dense | 100 | 1.50 | 1 2 | 2.25 | 444 |");
    const a2c = renderResults(
      "a2c",
      {
        env: "cartpole",
        numEnvs: 8,
        results: [
          {
            variant: "adam-dense",
            seed: 0,
            parameters: 4675,
            updatesToThreshold: 683,
            finalReturn: 200,
            frames: 1000,
            seconds: 1,
          },
          {
            variant: "adam-dense",
            seed: 1,
            parameters: 4675,
            updatesToThreshold: -1,
            finalReturn: 20,
            frames: 3000,
            seconds: 1,
          },
        ],
      },
      "a.json",
    );
    expect(a2c).toContain("| adam-dense | 4675 | 683 -1 | 2000 |");
    expect(a2c).toMatch(/^CartPole-v1, 8 envs, seeds 0, 1\.\n/);
    const breakout = renderResults(
      "a2c",
      {
        env: "breakout",
        numEnvs: 8,
        git_commit: "826ece8aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        package_version: "0.1.0",
        node_version: "v20.0.0",
        wall_time_s: 12.345,
        cpu_time_s: 10,
        results: [
          {
            variant: "kfac-trl-0.2",
            seed: 0,
            parameters: 28675,
            finalReturn: 2.8,
            frames: 20000,
            seconds: 10,
            cpuSeconds: 8,
          },
          {
            variant: "kfac-trl-0.2",
            seed: 1,
            parameters: 28675,
            finalReturn: 3.1,
            frames: 20000,
            seconds: 30,
            cpuSeconds: 12,
          },
        ],
      },
      "b.json",
    );
    expect(breakout).toMatch(
      /^MinAtar Breakout, 8 envs, seeds 0, 1; commit 826ece8, package 0\.1\.0, Node v20\.0\.0, wall time 12\.3 s, process CPU 10 s\.\n/,
    );
    // Wall: 40 000 frames in 40 s; CPU: in 20 s. A summary without CPU times has no such column.
    expect(breakout).toContain(
      "| return, last 30 episodes (mean over seeds) | frames/s | frames per CPU-s |",
    );
    expect(breakout).toContain("| kfac-trl-0.2 | 28675 | 2.95 | 1000 | 2000 |");
    expect(a2c).not.toContain("CPU");
  });

  it("malformed summaries and blocks fail with one line naming the file", () => {
    expect(() => renderResults("a2c", { env: "cartpole", numEnvs: 8, results: [] }, "c.json")).toThrow(
      /^c\.json: field "results" is empty$/,
    );
    expect(() =>
      renderResults(
        "a2c",
        {
          env: "breakout",
          numEnvs: 8,
          results: [{ variant: "adam-dense", seed: 0, parameters: 1, frames: 1, seconds: 1 }],
        },
        "c.json",
      ),
    ).toThrow(/^c\.json: results\[0\] lacks a number in seed, parameters, frames, seconds or finalReturn$/);
    expect(() => renderResults("paper", null, "x.json")).toThrow(ResultsDocError);
    expect(() => renderResults("paper", { experiment: "dqn" }, "x.json")).toThrow(
      /^x\.json: field "experiment"/,
    );
    expect(() => renderResults("paper", { experiment: "paper", seeds: [] }, "x.json")).toThrow(
      /^x\.json: field "tasks" is missing or malformed$/,
    );
    expect(() =>
      updateResultsDoc("<!-- results-doc: paper p.json -->\nno end", () => paperSummary, "page.md"),
    ).toThrow(/^page\.md: results-doc block for p\.json has no closing/);
    expect(() =>
      updateResultsDoc("<!-- results-doc: chart p.json -->\n<!-- /results-doc -->", () => ({}), "page.md"),
    ).toThrow(/kind "chart": must be one of paper, dqn, a2c/);
  });

  it("docs/results/paper.md holds exactly what its committed summary gives (no typed numbers)", () => {
    const page = readFileSync(join(ROOT, "docs", "results", "paper.md"), "utf8");
    const sources = resultsDocSources(page);
    expect(sources).toContain("docs/results/data/paper-default.summary.json");
    const read = (p: string) => JSON.parse(readFileSync(join(ROOT, p), "utf8")) as unknown;
    expect(updateResultsDoc(page, read)).toBe(page);
  });
});
