/**
 * A full disk, injected into a child process for the reliability harness: load it with
 * `node --import <tsx> --import ./experiments/lib/enospc-preload.ts …` and set
 * LOWRANK_RL_FAULT_DISK_BYTES=N. File writes (writeSync, writeFileSync, appendFileSync and
 * FileHandle.writeFile / write) may store N bytes in all; the write that crosses the budget
 * stores what still fits and fails with ENOSPC, as do all later ones. Terminal output (fds 0–2)
 * is not counted.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";

const budgetText = process.env.LOWRANK_RL_FAULT_DISK_BYTES;
let left = budgetText === undefined ? Infinity : Number(budgetText);

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
}

function bytesOf(data: unknown): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(String(data), "utf8");
}

/** Takes `n` bytes from the budget; returns how many fit (all of them unless the disk is full). */
function take(n: number): number {
  const fit = Math.max(0, Math.min(n, left));
  left -= fit;
  return fit;
}

const { writeSync, writeFileSync, appendFileSync } = fs;

fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
  if (fd <= 2) return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
  const b = bytesOf(data);
  const n =
    typeof data === "string"
      ? b.length
      : ((rest[1] as number | undefined) ?? b.length - ((rest[0] as number | undefined) ?? 0));
  const fit = take(n);
  if (fit < n) {
    const position = (typeof data === "string" ? rest[0] : rest[2]) as number | null | undefined;
    const start = typeof data === "string" ? 0 : ((rest[0] as number | undefined) ?? 0);
    if (fit > 0) writeSync(fd, b, start, fit, position ?? null);
    throw enospc();
  }
  return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
}) as typeof fs.writeSync;

fs.writeFileSync = ((path: fs.PathOrFileDescriptor, data: unknown, ...rest: unknown[]) => {
  const b = bytesOf(data);
  const fit = take(b.length);
  if (fit < b.length) {
    writeFileSync(path, b.subarray(0, fit));
    throw enospc();
  }
  return (writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
}) as typeof fs.writeFileSync;

fs.appendFileSync = ((path: fs.PathOrFileDescriptor, data: unknown, ...rest: unknown[]) => {
  const b = bytesOf(data);
  const fit = take(b.length);
  if (fit < b.length) {
    appendFileSync(path, b.subarray(0, fit));
    throw enospc();
  }
  return (appendFileSync as (...a: unknown[]) => void)(path, data, ...rest);
}) as typeof fs.appendFileSync;

const open = fsp.open;
fsp.open = (async (...args: Parameters<typeof fsp.open>) => {
  const fh = await open(...args);
  const writeFile = fh.writeFile.bind(fh);
  fh.writeFile = (async (data: unknown) => {
    const b = bytesOf(data);
    const fit = take(b.length);
    if (fit < b.length) {
      await writeFile(b.subarray(0, fit));
      throw enospc();
    }
    return writeFile(b);
  }) as typeof fh.writeFile;
  return fh;
}) as typeof fsp.open;

syncBuiltinESMExports();
