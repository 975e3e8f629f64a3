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
export {
  parseDqnRunConfig,
  dqnAgentConfig,
  parseNetworkSpec,
  isDqnConfigInput,
  resultDefiningDqnConfig,
  DQN_ENV_DEFAULTS,
  DQN_FIELD_DOCS,
  DQN_ENVS,
  type DqnRunConfig,
  type DqnEnvId,
  type DqnNetworkSpec,
  type DqnFieldDoc,
} from "./dqn-config.js";
export { DQN_ENV_SPECS, type DqnEnvSpec } from "./dqn-envs.js";
export {
  executeDqnRun,
  resumeDqnRun,
  executeDqnRunAsync,
  resumeDqnRunAsync,
  type DqnRunAsyncOptions,
  evaluateDqnRunDir,
  dqnJobId,
  DQN_METRIC_COLUMNS,
  type DqnRunOptions,
  type DqnRunCheckpoint,
} from "./dqn-run.js";
export { lockRunDir, runLockHolder, RunLockedError, RUN_LOCK_FILE } from "./run-lock.js";
export { pgRunSpec, type RunSpec, type PgRunSpec, type DqnRunSpec, type GridRecord } from "./run-spec.js";
export { parseAnyRunConfig, runSpecOf, type AnyRunConfig } from "./run-info.js";
export { evaluatePolicy, EVAL_SEED, type EvaluateOptions, type EvaluationResult } from "./evaluate.js";
export { paperAgentFactory } from "./paper-agent-factory.js";
export type { AgentFactory, RunnableAgent } from "./agent-factory.js";
export {
  saveCheckpoint,
  saveCheckpointAsync,
  loadLatestCheckpoint,
  readCheckpointFile,
  listCheckpoints,
  removePartialCheckpoints,
  CorruptCheckpointError,
  type CheckpointHeader,
  type CheckpointEncoding,
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
export {
  EventFileWriter,
  readEventFile,
  encodeEvent,
  decodeEvent,
  crc32c,
  maskedCrc32c,
  TENSORBOARD_DIR,
  type TensorBoardEvent,
  type Scalar,
} from "./tensorboard.js";
export {
  writeJobList,
  readJobList,
  runSweepTask,
  slurmScript,
  k8sManifest,
  checkClusterOptions,
  type ClusterOptions,
  type JobList,
  type SweepTaskResult,
} from "./cluster-emit.js";
