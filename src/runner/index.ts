export {
  parseRunConfig,
  ConfigError,
  FIELD_DOCS,
  TASK_OF_ENV,
  taskDefaults,
  resultDefiningConfig,
  usesPopulation,
  type RunConfig,
  type RunConfigInput,
  type Algo,
  type Task,
  type FieldDoc,
} from "./config.js";
export { compileSchedule, ScheduleError, type Schedule, type ScheduleSpec } from "./schedule.js";
export {
  executeRun,
  resumeRun,
  runJobId,
  type RunOptions,
  type RunResult,
  type RunCheckpoint,
} from "./run.js";
export { evaluatePolicy, EVAL_SEED, type EvaluateOptions, type EvaluationResult } from "./evaluate.js";
export { paperAgentFactory } from "./paper-agent-factory.js";
export type { AgentFactory, RunnableAgent } from "./agent-factory.js";
export {
  saveCheckpoint,
  saveCheckpointAsync,
  loadLatestCheckpoint,
  readCheckpointFile,
  listCheckpoints,
  CorruptCheckpointError,
  type CheckpointHeader,
} from "./checkpoint.js";
export { writeFileAtomic, writeFileAtomicAsync, writeJsonAtomic } from "./atomic-file.js";
export { DivergenceError, findNonFiniteParameter, findNonFiniteTensor } from "./divergence.js";
export {
  METRIC,
  DEFAULT_METRIC_COLUMNS,
  MetricsWriter,
  readMetrics,
  metricColumn,
  type MetricRow,
  type MetricsOffset,
} from "./metrics.js";
export {
  newManifest,
  readManifest,
  writeManifest,
  type Manifest,
  type PopulationInfo,
  type RunStatus,
} from "./manifest.js";
export { createRunDir, runName, sanitizeForPath, timestampForPath, RUN_FILES } from "./run-dir.js";
export { jobId, canonicalJson } from "./job-id.js";
export { runJobsInPool, runRunJobsInPool, type PoolOptions, type PoolJob } from "./pool.js";
export {
  executePopulation,
  groupIntoPopulations,
  populationGroupKey,
  populationTaskOf,
  type PopulationRunOptions,
  type RunJob,
} from "./population-run.js";
export {
  runSweep,
  planSweep,
  parseSweepSpec,
  readSweepSpec,
  expandGrid,
  sampleRandom,
  type SweepSpec,
  type SweepJob,
  type SweepResult,
} from "./sweep.js";
export {
  median,
  quantile,
  spread,
  mean,
  movingAverage,
  episodesToThreshold,
  tailMean,
  curveBand,
  type Spread,
} from "./stats.js";
export { packageVersion, gitCommit, packageRoot } from "./provenance.js";
