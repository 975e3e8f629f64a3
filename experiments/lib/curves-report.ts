import { join } from "node:path";
import { learningCurveFigure } from "../../src/report/figures.js";
import { writeReport } from "../../src/report/html.js";
import { curveBand } from "../../src/runner/stats.js";

/** One panel: a learning-curve figure with one median + IQR band per method. */
export interface CurvePanel {
  id: string;
  title: string;
  methods: { name: string; curves: readonly (readonly number[])[] }[];
}

/** Writes <out>/report.html: per panel, per-episode median return over seeds with the 25–75 % band. */
export function writeCurvesReport(
  out: string,
  title: string,
  notes: string[],
  panels: readonly CurvePanel[],
): string {
  return writeReport(join(out, "report.html"), {
    title,
    notes,
    figures: panels.map((p) =>
      learningCurveFigure(
        p.id,
        p.title,
        p.methods.map((m) => ({ name: m.name, runs: m.curves.length, ...curveBand(m.curves) })),
      ),
    ),
  });
}
