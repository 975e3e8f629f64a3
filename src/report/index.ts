export type { Figure, Table } from "./figure.js";
export {
  learningCurveFigure,
  returnVsParamsFigure,
  heatmapFigure,
  linesFigure,
  type CurveSet,
  type ParamPoint,
} from "./figures.js";
export {
  renderReportHtml,
  writeReport,
  plotlyBundlePath,
  type ReportPage,
  type WriteReportOptions,
} from "./html.js";
export {
  buildRunReport,
  findRunDirs,
  loadRun,
  groupRuns,
  configLabel,
  type LoadedRun,
  loadPgRun,
  type Group,
} from "./run-report.js";
export {
  policyMaps,
  tabulate,
  singularValues,
  truncationErrors,
  type GridMap,
  type StateDict,
  type NumberTensor,
} from "./grid-maps.js";
export { exportFigures, CHROMIUM_ARGS, type ExportOptions } from "./export.js";
