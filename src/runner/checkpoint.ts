import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { writeFileAtomic, writeFileAtomicAsync } from "./atomic-file.js";

/**
 * Checkpoint files of every algorithm: `checkpoints/ckpt-<counter, 9 digits>.<json|bin>`, two
 * parts: a one-line header
 *
 *   {"format":"lowrank-rl/checkpoint","formatVersion":1,"episode":E,"sha256":H,"bytes":B[,"encoding":"v8"]}
 *
 * then a newline and the payload, where H is the SHA-256 of the payload bytes and B their count:
 * the checksum covers exactly the bytes that are parsed back. `episode` is the run's progress
 * counter (episodes for policy-gradient runs, frames for DQN). The payload is JSON (`.json`), or
 * `v8.serialize` bytes (`.bin`, `"encoding":"v8"`, typed arrays kept as typed arrays: DQN's
 * replay buffer). Files are written atomically (tmp file → fsync → rename → fsync dir); the
 * newest `keep` are kept so a corrupt newest file can fall back to the previous one.
 */
export interface CheckpointHeader {
  format: "lowrank-rl/checkpoint";
  formatVersion: 1;
  episode: number;
  sha256: string;
  bytes: number;
  /** Payload encoding; absent = JSON. */
  encoding?: "v8";
}

/** How the payload is stored. */
export type CheckpointEncoding = "json" | "v8";

const NAME = /^ckpt-(\d{9})\.(json|bin)$/;
/** Longest header line accepted (the header is ~150 bytes). */
const MAX_HEADER_BYTES = 4096;

export function checkpointFileName(episode: number, encoding: CheckpointEncoding = "json"): string {
  return `ckpt-${String(episode).padStart(9, "0")}.${encoding === "v8" ? "bin" : "json"}`;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function encode(episode: number, payload: unknown, encoding: CheckpointEncoding): Buffer {
  const body = encoding === "v8" ? serialize(payload) : Buffer.from(JSON.stringify(payload), "utf8");
  const header: CheckpointHeader = {
    format: "lowrank-rl/checkpoint",
    formatVersion: 1,
    episode,
    sha256: sha256(body),
    bytes: body.byteLength,
    ...(encoding === "v8" ? { encoding: "v8" as const } : {}),
  };
  return Buffer.concat([Buffer.from(JSON.stringify(header) + "\n", "utf8"), body]);
}

function prune(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep)))
    rmSync(join(dir, old.name), { force: true });
}

/**
 * Writes a checkpoint for `episode` into `dir` atomically and prunes all but the newest `keep`;
 * returns its path.
 */
export function saveCheckpoint(
  dir: string,
  episode: number,
  payload: unknown,
  keep = 2,
  encoding: CheckpointEncoding = "json",
): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, checkpointFileName(episode, encoding));
  writeFileAtomic(path, encode(episode, payload, encoding));
  prune(dir, keep);
  return path;
}

/**
 * {@link saveCheckpoint} with the write and fsync on the libuv thread pool. `payload` is
 * serialized before this returns, so the caller may go on mutating its state.
 */
export function saveCheckpointAsync(
  dir: string,
  episode: number,
  payload: unknown,
  keep = 2,
  encoding: CheckpointEncoding = "json",
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, checkpointFileName(episode, encoding));
  const bytes = encode(episode, payload, encoding);
  return writeFileAtomicAsync(path, bytes).then(() => {
    prune(dir, keep);
    return path;
  });
}

/** Checkpoint files in `dir`, oldest first. */
export function listCheckpoints(dir: string): { name: string; episode: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: NAME.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ name, episode: Number(m[1]) }))
    .sort((a, b) => a.episode - b.episode);
}

/** Removes the temporary files of checkpoint writes that never got renamed (a killed process). */
export function removePartialCheckpoints(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of names) if (/^ckpt-\d{9}\.(json|bin)\.tmp-/.test(f)) rmSync(join(dir, f), { force: true });
}

export class CorruptCheckpointError extends Error {}

/** Reads and verifies one checkpoint file; throws {@link CorruptCheckpointError} naming the defect. */
export function readCheckpointFile<Payload>(path: string): { episode: number; payload: Payload } {
  let header: Partial<CheckpointHeader>;
  let body: Buffer;
  try {
    const buf = readFileSync(path);
    const cut = buf.subarray(0, MAX_HEADER_BYTES).indexOf(10);
    if (cut < 0) throw new Error("no header line");
    header = JSON.parse(buf.subarray(0, cut).toString("utf8")) as Partial<CheckpointHeader>;
    body = buf.subarray(cut + 1);
  } catch (err) {
    throw new CorruptCheckpointError(`${path}: unreadable or truncated (${(err as Error).message})`);
  }
  if (header === null || typeof header !== "object" || header.format !== "lowrank-rl/checkpoint")
    throw new CorruptCheckpointError(`${path}: not a lowrank-rl checkpoint`);
  if (body.byteLength !== header.bytes)
    throw new CorruptCheckpointError(
      `${path}: truncated or padded: payload is ${body.byteLength} bytes, header says ${header.bytes}`,
    );
  const digest = sha256(body);
  if (digest !== header.sha256)
    throw new CorruptCheckpointError(`${path}: checksum mismatch (sha256 ${digest} ≠ ${header.sha256})`);
  let payload: Payload;
  try {
    payload =
      header.encoding === "v8"
        ? (deserialize(body) as Payload)
        : (JSON.parse(body.toString("utf8")) as Payload);
  } catch (err) {
    throw new CorruptCheckpointError(`${path}: payload does not parse (${(err as Error).message})`);
  }
  return { episode: header.episode ?? -1, payload };
}

/**
 * Loads the newest checkpoint of `dir` that verifies: checksum, then `validate` (the caller's
 * content check: shapes, finiteness, counters, generator states; it throws to reject). Corrupt
 * ones are reported through `warn` and skipped. Returns null when none is usable.
 */
export function loadLatestCheckpoint<Payload>(
  dir: string,
  warn: (message: string) => void = () => {},
  validate?: (payload: Payload, episode: number) => void,
): { episode: number; payload: Payload; path: string } | null {
  const all = listCheckpoints(dir);
  for (let i = all.length - 1; i >= 0; i--) {
    const path = join(dir, all[i].name);
    try {
      const { episode, payload } = readCheckpointFile<Payload>(path);
      if (validate !== undefined) {
        try {
          validate(payload, episode);
        } catch (err) {
          throw new CorruptCheckpointError(`${path}: ${(err as Error).message}`);
        }
      }
      return { episode, payload, path };
    } catch (err) {
      if (!(err instanceof CorruptCheckpointError)) throw err;
      warn(`${err.message}; falling back to the previous checkpoint`);
    }
  }
  return null;
}

/**
 * A {@link loadLatestCheckpoint} content check for payloads that record the run setup they were
 * written under (`identity`): one from another setup is refused, so the previous one is tried.
 */
export function sameIdentity(identity: unknown): (payload: { identity?: unknown }) => void {
  const expected = JSON.stringify(identity);
  return (payload) => {
    if (JSON.stringify(payload?.identity) !== expected)
      throw new Error(
        "the checkpoint is from a different run setup (its config differs from the manifest's)",
      );
  };
}
