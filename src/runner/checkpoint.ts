import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic, writeFileAtomicAsync } from "./atomic-file.js";

/**
 * Checkpoint files: `checkpoints/ckpt-<episode, 9 digits>.json`, two parts: a one-line header
 *
 *   {"format":"lowrank-rl/checkpoint","formatVersion":1,"episode":E,"sha256":H,"bytes":B}
 *
 * then a newline and the payload JSON, where H is the SHA-256 of the payload's UTF-8 bytes and
 * B their count: the checksum covers exactly the bytes that are parsed back. Files are
 * written atomically (tmp file → fsync → rename → fsync dir); the newest `keep` are kept so a
 * corrupt newest file can fall back to the previous one.
 */
export interface CheckpointHeader {
  format: "lowrank-rl/checkpoint";
  formatVersion: 1;
  episode: number;
  sha256: string;
  bytes: number;
}

const NAME = /^ckpt-(\d{9})\.json$/;

export function checkpointFileName(episode: number): string {
  return `ckpt-${String(episode).padStart(9, "0")}.json`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function encode(episode: number, payload: unknown): string {
  const text = JSON.stringify(payload);
  const header: CheckpointHeader = {
    format: "lowrank-rl/checkpoint",
    formatVersion: 1,
    episode,
    sha256: sha256(text),
    bytes: Buffer.byteLength(text, "utf8"),
  };
  return JSON.stringify(header) + "\n" + text;
}

function prune(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep)))
    rmSync(join(dir, old.name), { force: true });
}

/** Writes a checkpoint for `episode` into `dir` atomically and prunes all but the newest `keep`. */
export function saveCheckpoint(dir: string, episode: number, payload: unknown, keep = 2): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, checkpointFileName(episode));
  writeFileAtomic(path, encode(episode, payload));
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
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, checkpointFileName(episode));
  const text = encode(episode, payload);
  return writeFileAtomicAsync(path, text).then(() => {
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

export class CorruptCheckpointError extends Error {}

/** Reads and verifies one checkpoint file; throws {@link CorruptCheckpointError} naming the defect. */
export function readCheckpointFile<Payload>(path: string): { episode: number; payload: Payload } {
  let header: Partial<CheckpointHeader>;
  let payload: string;
  try {
    const text = readFileSync(path, "utf8");
    const cut = text.indexOf("\n");
    if (cut < 0) throw new Error("no header line");
    header = JSON.parse(text.slice(0, cut)) as Partial<CheckpointHeader>;
    payload = text.slice(cut + 1);
  } catch (err) {
    throw new CorruptCheckpointError(`${path}: unreadable or truncated (${(err as Error).message})`);
  }
  if (header.format !== "lowrank-rl/checkpoint")
    throw new CorruptCheckpointError(`${path}: not a lowrank-rl checkpoint`);
  const bytes = Buffer.byteLength(payload, "utf8");
  if (bytes !== header.bytes)
    throw new CorruptCheckpointError(
      `${path}: truncated or padded: payload is ${bytes} bytes, header says ${header.bytes}`,
    );
  const digest = sha256(payload);
  if (digest !== header.sha256)
    throw new CorruptCheckpointError(`${path}: checksum mismatch (sha256 ${digest} ≠ ${header.sha256})`);
  return { episode: header.episode ?? -1, payload: JSON.parse(payload) as Payload };
}

/**
 * Loads the newest checkpoint of `dir` that verifies. Corrupt ones are reported through `warn`
 * and skipped. Returns null when none is usable.
 */
export function loadLatestCheckpoint<Payload>(
  dir: string,
  warn: (message: string) => void = () => {},
): { episode: number; payload: Payload; path: string } | null {
  const all = listCheckpoints(dir);
  for (let i = all.length - 1; i >= 0; i--) {
    const path = join(dir, all[i].name);
    try {
      const { episode, payload } = readCheckpointFile<Payload>(path);
      return { episode, payload, path };
    } catch (err) {
      if (!(err instanceof CorruptCheckpointError)) throw err;
      warn(`${err.message}; falling back to the previous checkpoint`);
    }
  }
  return null;
}
