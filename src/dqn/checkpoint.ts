import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { deserialize, serialize } from "node:v8";
import { writeFileAtomic } from "../runner/atomic-file.js";
import { CorruptCheckpointError } from "../runner/checkpoint.js";
import type { DqnTrainState } from "./train.js";

/**
 * DQN checkpoint files (`<run dir>/checkpoint.bin`): the runner's checkpoint convention
 * (src/runner/checkpoint.ts) with a binary payload, because the replay buffer is large
 * (Breakout: 100 000 × 400 uint8 observations twice ≈ 80 MB). One JSON header line
 *
 *   {"format":"lowrank-rl/dqn-checkpoint","formatVersion":1,"frame":F,"sha256":H,"bytes":B}
 *
 * then a newline and the payload: `v8.serialize({ identity, train, extra })`, typed arrays kept
 * as typed arrays. H is the SHA-256 of the payload bytes and B their count, so a truncated or
 * altered file is detected before anything is deserialized. Written atomically (tmp → fsync →
 * rename → fsync dir): a crash leaves the previous checkpoint intact.
 *
 * `identity` describes what the state belongs to (experiment, variant, seed, DQN config, network
 * shape…); {@link readDqnCheckpoint} compares it with the caller's and names every differing key.
 */
export interface DqnCheckpointHeader {
  format: "lowrank-rl/dqn-checkpoint";
  formatVersion: 1;
  frame: number;
  sha256: string;
  bytes: number;
}

export interface DqnCheckpoint<Extra = unknown> {
  /** Plain JSON-like description of the run the state belongs to. */
  identity: Record<string, unknown>;
  train: DqnTrainState;
  /** Caller data restored with the state (e.g. metric-file offsets). */
  extra: Extra;
}

/** Longest header line accepted (the header is ~150 bytes). */
const MAX_HEADER_BYTES = 4096;
const FORMAT = "lowrank-rl/dqn-checkpoint";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Serializes a checkpoint to the file bytes (header line + v8 payload). */
export function encodeDqnCheckpoint(checkpoint: DqnCheckpoint): Uint8Array {
  const payload = serialize(checkpoint);
  const header: DqnCheckpointHeader = {
    format: FORMAT,
    formatVersion: 1,
    frame: checkpoint.train.loop.frame,
    sha256: sha256(payload),
    bytes: payload.byteLength,
  };
  return Buffer.concat([Buffer.from(JSON.stringify(header) + "\n", "utf8"), payload]);
}

/** Writes `checkpoint` to `path` atomically; returns the file size in bytes. */
export function writeDqnCheckpoint(path: string, checkpoint: DqnCheckpoint): number {
  const bytes = encodeDqnCheckpoint(checkpoint);
  writeFileAtomic(path, bytes);
  return bytes.byteLength;
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + "..." : s;
}

/** Keys (dotted paths) where two JSON-like values differ. */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (
    a !== null &&
    b !== null &&
    typeof a === "object" &&
    typeof b === "object" &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort())
      differences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
        out,
      );
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b))
    out.push(`${path || "(root)"}: checkpoint ${describe(a)}, this run ${describe(b)}`);
}

/** Decodes and verifies file bytes; `path` is used in messages. */
export function decodeDqnCheckpoint<Extra = unknown>(
  bytes: Uint8Array,
  path: string,
): DqnCheckpoint<Extra> & { frame: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cut = buf.subarray(0, MAX_HEADER_BYTES).indexOf(10);
  if (cut < 0)
    throw new CorruptCheckpointError(
      `${path}: not a DQN checkpoint (no header line in the first ${MAX_HEADER_BYTES} bytes; truncated or another file)`,
    );
  let header: Partial<DqnCheckpointHeader>;
  try {
    header = JSON.parse(buf.subarray(0, cut).toString("utf8")) as Partial<DqnCheckpointHeader>;
  } catch (err) {
    throw new CorruptCheckpointError(`${path}: unreadable header (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (header === null || typeof header !== "object" || header.format !== FORMAT)
    throw new CorruptCheckpointError(
      `${path}: header.format is ${describe(header?.format)}, expected "${FORMAT}"`,
    );
  if (header.formatVersion !== 1)
    throw new CorruptCheckpointError(
      `${path}: header.formatVersion is ${describe(header.formatVersion)}; this version reads 1`,
    );
  if (!Number.isInteger(header.frame) || (header.frame as number) < 0)
    throw new CorruptCheckpointError(
      `${path}: header.frame must be an integer >= 0, got ${describe(header.frame)}`,
    );
  const payload = buf.subarray(cut + 1);
  if (payload.byteLength !== header.bytes)
    throw new CorruptCheckpointError(
      `${path}: truncated or padded: payload is ${payload.byteLength} bytes, header.bytes says ${describe(header.bytes)}`,
    );
  const digest = sha256(payload);
  if (digest !== header.sha256)
    throw new CorruptCheckpointError(
      `${path}: checksum mismatch (payload sha256 ${digest}, header.sha256 ${describe(header.sha256)})`,
    );
  let value: Partial<DqnCheckpoint<Extra>>;
  try {
    value = deserialize(payload) as Partial<DqnCheckpoint<Extra>>;
  } catch (err) {
    throw new CorruptCheckpointError(`${path}: payload does not deserialize (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (value === null || typeof value !== "object")
    throw new CorruptCheckpointError(`${path}: payload must be an object {identity, train, extra}`);
  if (value.identity === null || typeof value.identity !== "object")
    throw new CorruptCheckpointError(`${path}: payload.identity must be an object`);
  const train = value.train;
  if (
    train === null ||
    typeof train !== "object" ||
    typeof train.loop !== "object" ||
    typeof train.agent !== "object"
  )
    throw new CorruptCheckpointError(`${path}: payload.train must be {loop, agent}`);
  if (train.loop?.frame !== header.frame)
    throw new CorruptCheckpointError(
      `${path}: payload.train.loop.frame ${describe(train.loop?.frame)} differs from header.frame ${header.frame}`,
    );
  return { identity: value.identity, train, extra: value.extra as Extra, frame: header.frame as number };
}

/**
 * Reads and verifies `path` (header, size, checksum, payload shape) and, when `expectedIdentity`
 * is given, checks that the checkpoint belongs to the same run setup: throws a RangeError listing
 * each differing key (e.g. `variant`, `dqn.bufferSize`, `network.parameterShapes`). The agent and
 * loop contents are validated field by field by `trainDqn({ resume })`.
 */
export function readDqnCheckpoint<Extra = unknown>(
  path: string,
  expectedIdentity?: Record<string, unknown>,
): DqnCheckpoint<Extra> & { frame: number } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CorruptCheckpointError(`${path}: cannot read the checkpoint (${(err as Error).message})`, {
      cause: err,
    });
  }
  const ckpt = decodeDqnCheckpoint<Extra>(bytes, path);
  if (expectedIdentity) {
    const diff: string[] = [];
    differences(ckpt.identity, expectedIdentity, "", diff);
    if (diff.length > 0)
      throw new RangeError(
        `${path}: the checkpoint is from a different run setup; differing fields:\n  ${diff.join("\n  ")}`,
      );
  }
  return ckpt;
}
