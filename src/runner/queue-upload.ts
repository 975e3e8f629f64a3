import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { Redis } from "ioredis";
import { listCheckpoints } from "./checkpoint.js";
import { RUN_FILES } from "./run-dir.js";
import { RUN_LOCK_FILE } from "./run-lock.js";

/**
 * Results through Redis (`worker --upload`): a worker whose results folder the submitter cannot
 * see stores each finished run's files in one Redis hash; the submitter writes them into its
 * sweep folder, all at once, and deletes the hash. The folder it writes is the one the worker
 * wrote, byte for byte, so the sweep's summary and report read it like a local sweep's.
 *
 * What travels: every file of the run folder except `run.lock` and the checkpoints, which are
 * the resume state of a run in progress; a run with no `final_params.json` (one that ended
 * without writing it) brings its newest checkpoint instead, which `eval --params checkpoint`
 * and the DQN evaluation read.
 */

/** The hash of one job's uploaded files: `bull:<queue>:upload:<queue job id>` (inside BullMQ's key space, so obliterating the queue removes it). */
export function uploadKey(queueName: string, queueJobId: string): string {
  return `bull:${queueName}:upload:${queueJobId}`;
}

export const UPLOAD_FORMAT = "lowrank-rl/upload";

/** Default cap on one run's uploaded bytes (Redis refuses values over 512 MB). */
export const DEFAULT_UPLOAD_MAX_BYTES = 256 * 1024 * 1024;

/** One uploaded file: its path inside the run folder (with `/`), size and SHA-256. */
export interface UploadedFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** The `index` field of an upload hash. */
export interface UploadIndex {
  format: typeof UPLOAD_FORMAT;
  runName: string;
  jobId: string;
  files: UploadedFile[];
}

/** What was uploaded or collected: file count and total bytes. */
export interface UploadSize {
  files: number;
  bytes: number;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(full));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/** The files of a finished run folder that an upload carries (paths relative to the folder, with `/`). */
export function uploadFileList(runDir: string): string[] {
  const ckptDir = join(runDir, RUN_FILES.checkpointDir);
  const files = filesUnder(runDir)
    .filter((f) => !f.startsWith(ckptDir + sep) && f !== join(runDir, RUN_LOCK_FILE))
    .map((f) => relative(runDir, f).split(sep).join("/"));
  if (!existsSync(join(runDir, RUN_FILES.finalParams)) && existsSync(ckptDir)) {
    const newest = listCheckpoints(ckptDir).at(-1);
    if (newest) files.push(`${RUN_FILES.checkpointDir}/${newest.name}`);
  }
  return files.sort();
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * Stores a finished run folder's files in the hash `key` (replacing what it held) in one
 * MULTI/EXEC, so a reader sees all of them or none. Throws, naming `--upload-max-mb`, when they
 * exceed `maxBytes`.
 */
export async function storeUpload(
  redis: Redis,
  key: string,
  runDir: string,
  ids: { runName: string; jobId: string },
  maxBytes = DEFAULT_UPLOAD_MAX_BYTES,
): Promise<UploadSize> {
  const paths = uploadFileList(runDir);
  const total = paths.reduce((s, p) => s + statSync(join(runDir, p)).size, 0);
  if (total > maxBytes)
    throw new Error(
      `upload of ${ids.runName}: its files hold ${(total / 2 ** 20).toFixed(1)} MB, over --upload-max-mb ${(maxBytes / 2 ** 20).toFixed(0)}`,
    );
  const fields: (string | Buffer)[] = [];
  const files: UploadedFile[] = [];
  for (const p of paths) {
    const data = readFileSync(join(runDir, p));
    files.push({ path: p, bytes: data.length, sha256: sha256(data) });
    fields.push(`f:${p}`, data);
  }
  const index: UploadIndex = { format: UPLOAD_FORMAT, runName: ids.runName, jobId: ids.jobId, files };
  const res = await redis
    .multi()
    .del(key)
    .hset(key, "index", JSON.stringify(index), ...fields)
    .exec();
  const failed = res?.find(([err]) => err !== null);
  if (!res || failed)
    throw new Error(`upload of ${ids.runName}: ${failed?.[0]?.message ?? "transaction aborted"}`);
  return { files: files.length, bytes: files.reduce((s, f) => s + f.bytes, 0) };
}

/** A relative upload path that stays inside the run folder: plain components, no `.`/`..`, no absolute path. */
function safeRelative(p: string): boolean {
  const parts = p.split("/");
  return (
    p.length > 0 &&
    !p.startsWith("/") &&
    parts.every((c) => c !== "" && c !== "." && c !== ".." && !/[\\\0]/.test(c))
  );
}

/**
 * Writes the uploaded run in `key` to `<sweepDir>/<runName>` and deletes the hash. The files go to
 * a hidden folder first, each checked against its recorded size and SHA-256, and the folder is
 * then renamed into place (an unfinished earlier folder of the job is replaced), so the sweep
 * folder never holds half a run. Returns null when the hash does not exist (nothing uploaded, or
 * collected already).
 */
export async function collectUpload(
  redis: Redis,
  key: string,
  sweepDir: string,
  ids: { runName: string; jobId: string },
): Promise<UploadSize | null> {
  const raw = await redis.hgetallBuffer(key);
  if (!raw || Object.keys(raw).length === 0) return null;
  const fail = (why: string) => new Error(`uploaded run ${ids.runName}: ${why}`);
  let index: UploadIndex;
  try {
    index = JSON.parse(raw.index?.toString("utf8") ?? "null") as UploadIndex;
  } catch {
    throw fail("its index is not JSON");
  }
  if (index?.format !== UPLOAD_FORMAT || !Array.isArray(index.files))
    throw fail(`the index's format must be "${UPLOAD_FORMAT}"`);
  if (index.runName !== ids.runName || index.jobId !== ids.jobId)
    throw fail(`it holds run ${index.runName} (job ${index.jobId}), not job ${ids.jobId}`);
  const final = join(sweepDir, ids.runName);
  const tmp = join(sweepDir, `.upload-${ids.runName}-${randomBytes(4).toString("hex")}`);
  mkdirSync(tmp, { recursive: true });
  let bytes = 0;
  try {
    for (const f of index.files) {
      if (typeof f?.path !== "string" || !safeRelative(f.path))
        throw fail(`bad file path ${JSON.stringify(f?.path)}`);
      const data = raw[`f:${f.path}`];
      if (!data) throw fail(`${f.path} is listed but missing`);
      if (data.length !== f.bytes || sha256(data) !== f.sha256)
        throw fail(`${f.path} does not match its checksum`);
      const dest = join(tmp, ...f.path.split("/"));
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, data);
      bytes += data.length;
    }
    if (existsSync(final)) {
      const old = join(sweepDir, `.replaced-${ids.runName}-${randomBytes(4).toString("hex")}`);
      renameSync(final, old);
      renameSync(tmp, final);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  await redis.del(key);
  return { files: index.files.length, bytes };
}
