/**
 * Sweeps on a Redis queue (BullMQ), as a library: the `queue` namespace of `lowrank-rl/node`.
 * The submitter plans a sweep (`planSweep`), opens the queue, enqueues, waits or reads the status;
 * workers run jobs through the local sweep's lifecycle; with uploads, results travel through
 * Redis. docs/sweeps.md describes the whole set-up.
 */
export {
  openQueue,
  openRedis,
  redisConnection,
  isRedisAuthError,
  enqueueSweep,
  sweepQueueStatus,
  retryFailedJobs,
  waitForSweep,
  collectJob,
  collectUploads,
  type EnqueueReport,
  type JobPhase,
  type QueuedJobInfo,
  type SweepQueueStatus,
  type UploadSource,
} from "./queue.js";
export {
  QUEUE_JOB_FORMAT,
  DEFAULT_RETRY,
  queueJobId,
  queueJobData,
  queueJobOptions,
  parseQueueJobData,
  queueRunDir,
  type QueueJobData,
  type QueueJobOutcome,
  type RetryPolicy,
} from "./queue-jobs.js";
export {
  parseRedisUrl,
  redactRedisUrl,
  describeRedisTarget,
  checkQueueName,
  DEFAULT_QUEUE_NAME,
  REDIS_PASSWORD_ENV,
  type RedisTarget,
} from "./queue-url.js";
export { startQueueWorker, type QueueWorkerOptions, type QueueWorkerHandle } from "./queue-worker.js";
export {
  uploadKey,
  uploadFileList,
  storeUpload,
  collectUpload,
  UPLOAD_FORMAT,
  DEFAULT_UPLOAD_MAX_BYTES,
  type UploadIndex,
  type UploadedFile,
  type UploadSize,
} from "./queue-upload.js";
