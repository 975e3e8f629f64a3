import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportFigures } from "../../src/report/export.js";
import { learningCurveFigure, returnVsParamsFigure } from "../../src/report/figures.js";
import { singularValues, truncationErrors } from "../../src/report/grid-maps.js";
import { renderReportHtml, writeReport } from "../../src/report/html.js";
import { buildRunReport } from "../../src/report/run-report.js";
import { executeRun } from "../../src/runner/run.js";
import { readManifest } from "../../src/runner/manifest.js";

describe("report figures", () => {
  it("learning curves: band (q25, q75 filled) + median per method", () => {
    const f = learningCurveFigure("c", "t", [
      { name: "A", median: [1, 2], q25: [0, NaN], q75: [2, 3], runs: 3 },
    ]);
    expect(f.data).toHaveLength(3);
    expect(f.data[1].fill).toBe("tonexty");
    expect(f.data[0].y).toEqual([0, null]);
    expect(f.data[2].name).toBe("A (median of 3)");
    // Two methods: both bands first, then both medians (no band drawn over a median).
    const two = learningCurveFigure("c", "t", [
      { name: "A", median: [1], q25: [0], q75: [2], runs: 3 },
      { name: "B", median: [1], q25: [0], q75: [2], runs: 3 },
    ]);
    expect(two.data.map((d) => d.name)).toEqual([
      "A q25",
      "A q75",
      "B q25",
      "B q75",
      "A (median of 3)",
      "B (median of 3)",
    ]);
  });
  it("return vs params: asymmetric IQR error bars, log x, one series per method", () => {
    const f = returnVsParamsFigure("p", "t", [
      { series: "LRPG", label: "K=2", params: 100, median: 90, q25: 80, q75: 95 },
      { series: "LRPG", label: "K=1", params: 50, median: 70, q25: 60, q75: 71 },
      { series: "NN", label: "h", params: 4098, median: 97, q25: null, q75: null },
    ]);
    expect(f.data).toHaveLength(2);
    expect(f.data[0].x).toEqual([50, 100]);
    expect((f.data[0].error_y as { array: number[]; arrayminus: number[] }).array).toEqual([1, 5]);
    expect((f.data[0].error_y as { array: number[]; arrayminus: number[] }).arrayminus).toEqual([10, 10]);
    expect((f.layout.xaxis as { type: string }).type).toBe("log");
  });
  it("return vs params: one line per family, never through unrelated configurations; points labelled", () => {
    const f = returnVsParamsFigure("p", "t", [
      {
        series: "LRPG",
        label: "a",
        family: "LRPG K=1",
        pointLabel: "grid 10",
        params: 40,
        median: 1,
        q25: 1,
        q75: 1,
      },
      {
        series: "LRPG",
        label: "b",
        family: "LRPG K=2",
        pointLabel: "grid 5",
        params: 30,
        median: 2,
        q25: 2,
        q75: 2,
      },
      {
        series: "LRPG",
        label: "c",
        family: "LRPG K=1",
        pointLabel: "grid 5",
        params: 20,
        median: 3,
        q25: 3,
        q75: 3,
      },
      { series: "NN", label: "NN h=8", params: 66, median: 4, q25: 4, q75: 4 },
    ]);
    expect(f.data.map((d) => [d.name, d.x, d.text, d.mode])).toEqual([
      ["LRPG K=1", [20, 40], ["grid 5", "grid 10"], "lines+markers+text"],
      ["LRPG K=2", [30], ["grid 5"], "markers+text"],
      ["NN", [66], ["NN h=8"], "markers+text"],
    ]);
    expect(f.data[0].customdata).toEqual(["c", "a"]);
    expect((f.data[2].marker as { symbol: string }).symbol).not.toBe(
      (f.data[0].marker as { symbol: string }).symbol,
    );
  });
  it("rank-k truncation error follows Eckart–Young", () => {
    const rank1 = [
      [1, 2, 3],
      [2, 4, 6],
    ];
    const sv = singularValues(rank1);
    expect(sv[0]).toBeCloseTo(Math.sqrt(70), 12);
    expect(sv[1]).toBeCloseTo(0, 12);
    const e = truncationErrors(
      singularValues([
        [3, 0],
        [0, 4],
      ]),
    );
    expect(e[0]).toBe(1);
    expect(e[1]).toBeCloseTo(3 / 5, 14);
    expect(e[2]).toBeCloseTo(0, 14);
  });
  it("the page escapes </script> inside figure data and loads plotly from a file or inline", () => {
    const page = { title: "x</script>", figures: [{ id: "a", title: "</script><b>", data: [], layout: {} }] };
    const html = renderReportHtml(page, { src: "plotly.js" });
    expect(html.match(/<\/script>/g)).toHaveLength(3); // plotly tag, the JSON block, the boot script
    expect(html).toContain("x&lt;/script&gt;");
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    writeReport(join(dir, "r.html"), page);
    expect(existsSync(join(dir, "plotly.js"))).toBe(true);
    writeReport(join(dir, "inline.html"), page, { plotly: "inline" });
    expect(readFileSync(join(dir, "inline.html"), "utf8").length).toBeGreaterThan(5_000_000);
  });
});

describe("lowrank-rl report (run directories → page)", () => {
  it("curves, return vs params, μ/σ/V heatmaps equal to the learned matrices, spectra, table", async () => {
    const root = mkdtempSync(join(tmpdir(), "report-runs-"));
    for (const seed of [0, 1])
      await executeRun(
        { algo: "lrpg", seed, episodes: 50, snapshotEvery: 25, checkpointEvery: 0 },
        { outRoot: root },
      );
    await executeRun(
      { algo: "nn", hidden: 16, seed: 0, episodes: 30, snapshotEvery: 0, checkpointEvery: 0 },
      { outRoot: root },
    );
    const page = buildRunReport([root]);
    const ids = page.figures.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "curves-LRPG-Pendulum",
        "params-LRPG-Pendulum",
        "mu-g0",
        "sigma-g0",
        "value-g0",
        "sv-g0",
        "mu-g1",
        "truncation-error",
      ]),
    );
    const curves = page.figures.find((f) => f.id === "curves-LRPG-Pendulum")!;
    expect(curves.data).toHaveLength(6); // 2 configurations × (q25, q75, median)
    expect(page.tables![0].rows).toHaveLength(2);
    expect(page.tables![0].rows[0].slice(1, 4)).toEqual(["LRPG K=4 grid 10/16", 208, 2]);
    // The μ heatmap of LRPG is the learned matrix X = L Rᵀ itself (code layout: R stored K×M).
    const lrpgRun = (await import("node:fs")).readdirSync(root).find((d) => d.includes("__lrpg__0__"))!;
    const params = JSON.parse(readFileSync(join(root, lrpgRun, "final_params.json"), "utf8")) as Record<
      string,
      number[][]
    >;
    const L = params["mu.L"];
    const R = params["mu.R"];
    const z = page.figures.find((f) => f.id === "mu-g0")!.data[0].z as number[][];
    expect(z).toHaveLength(10);
    expect(z[0]).toHaveLength(10);
    for (const [i, j] of [
      [0, 0],
      [3, 7],
      [9, 9],
      [5, 2],
    ]) {
      let x = 0;
      for (let k = 0; k < 4; k++) x += L[i][k] * R[k][j];
      expect(z[i][j]).toBeCloseTo(x, 12);
    }
    expect(page.figures.find((f) => f.id === "value-g0")!.data[0].z as number[][]).toHaveLength(16);
    const sv = page.figures.find((f) => f.id === "sv-g0")!;
    expect(sv.data).toHaveLength(4); // σ1…σ4 of a rank-4 matrix
    expect(sv.data[0].x).toEqual([0, 25, 50]);
    // Rank-4 μ: truncation error reaches 0 at k = 4.
    const trunc = page.figures.find((f) => f.id === "truncation-error")!;
    expect((trunc.data[0].y as number[])[4]).toBeLessThan(1e-6);
  });

  it("a mix of LRPG, NN and DQN runs: one page, DQN grouped by network, manifests hold the grids", async () => {
    const root = mkdtempSync(join(tmpdir(), "report-mix-"));
    const lrpg = await executeRun(
      { algo: "lrpg", seed: 0, episodes: 20, checkpointEvery: 0 },
      { outRoot: root },
    );
    await executeRun({ algo: "nn", hidden: 8, seed: 0, episodes: 20, checkpointEvery: 0 }, { outRoot: root });
    for (const network of ["dense", "lowrank-rank8"])
      await executeRun(
        {
          algo: "dqn",
          env: "CartPole-v1",
          network,
          seed: 0,
          totalSteps: 1500,
          learningStarts: 500,
          bufferSize: 1000,
          evalEpisodes: 2,
          checkpointEvery: 0,
        },
        { outRoot: root },
      );
    // The manifest records the resolved grids, rank and rates (the report reads them from there).
    expect(readManifest(lrpg.dir).spec).toMatchObject({
      kind: "lrpg",
      policy: "gaussian",
      rank: 4,
      actorGrid: { low: [-1, -5], high: [1, 5], buckets: [10, 10], rows: 10, cols: 10 },
      criticGrid: { buckets: [16, 16], rows: 16, cols: 16 },
      lrActor: 1e-2,
      gamma: 0.99,
      sigma: { kind: "scalar" },
    });
    const page = buildRunReport([root]);
    const ids = page.figures.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "curves-LRPG-Pendulum",
        "curves-CartPole-v1",
        "params-CartPole-v1",
        "mu-g0",
        "mu-g1",
      ]),
    );
    const rows = page.tables![0].rows;
    // Run folders sort by name: CartPole-v1__dqn-… before LRPG-Pendulum__….
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ["CartPole-v1", "DQN dense double"],
      ["CartPole-v1", "DQN lowrank-rank8 double"],
      ["LRPG/Pendulum", "LRPG K=4 grid 10/16"],
      ["LRPG/Pendulum", "NN h=8"],
    ]);
    expect(rows[0][2]).toBe(4610);
    // The parameter axis says what was counted: the Q-network for DQN, actor + critic for LRPG/NN.
    const xTitle = (id: string) =>
      (page.figures.find((f) => f.id === id)!.layout as { xaxis: { title: { text: string } } }).xaxis.title
        .text;
    expect(xTitle("params-CartPole-v1")).toBe("Q-network parameters");
    expect(xTitle("params-LRPG-Pendulum")).toBe("trainable parameters (actor + critic)");
    // DQN runs record their hidden layer's spectrum: the page draws it (end of training, and over frames).
    const spectrum = page.figures.find((f) => f.id === "dqn-spectrum")!;
    expect(spectrum.data.map((d) => d.name)).toEqual([
      expect.stringMatching(/^DQN dense double, seed 0 \(frame \d+\)$/),
      expect.stringMatching(/^DQN lowrank-rank8 double, seed 0/),
    ]);
    const lowRankSv = (spectrum.data[1].y as (number | null)[]).filter((v): v is number => v !== null);
    expect(lowRankSv[8] / lowRankSv[0]).toBeLessThan(1e-9); // rank 8: σ₉ is round-off
    expect((spectrum.layout.yaxis as { type: string }).type).toBe("log");
    // One line per DQN layer kind on the parameter plot, points labelled by network.
    const params = page.figures.find((f) => f.id === "params-CartPole-v1")!;
    expect(params.data.map((d) => [d.name, d.text])).toEqual([
      ["DQN lowrank", ["lowrank-rank8"]], // families ordered by their smallest configuration
      ["DQN dense", ["dense"]],
    ]);
    const out = join(root, "mix.html");
    writeReport(out, page);
    expect(existsSync(out)).toBe(true);
  }, 120_000);

  it("configurations with the same label are named by the field that differs, not #1/#2", async () => {
    const root = mkdtempSync(join(tmpdir(), "report-same-label-"));
    for (const lrActor of [0.01, 0.02])
      await executeRun(
        { algo: "lrpg", seed: 0, episodes: 5, lrActor, checkpointEvery: 0 },
        { outRoot: root },
      );
    const labels = buildRunReport([root])
      .tables![0].rows.map((r) => r[1])
      .sort();
    expect(labels).toEqual(["LRPG K=4 grid 10/16 (lrActor=0.01)", "LRPG K=4 grid 10/16 (lrActor=0.02)"]);
  });

  it("figure export degrades gracefully without Chromium", async () => {
    const r = await exportFigures("/nonexistent.html", [], mkdtempSync(join(tmpdir(), "exp-")), "png", {
      executablePath: "/nonexistent/chromium",
    });
    expect(r.files).toEqual([]);
    expect(r.skipped).toMatch(/no Chromium at \/nonexistent\/chromium/);
  });
});
