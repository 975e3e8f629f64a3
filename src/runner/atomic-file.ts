import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

/** What a failed atomic write leaves. */
const KEPT = "any previous version of it is kept unchanged";

/** Plain words for the errors a filesystem gives when it cannot take a write. */
const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: "no space left on device (ENOSPC)",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  EROFS: "read-only filesystem (EROFS)",
  EACCES: "permission denied (EACCES)",
  EIO: "input/output error (EIO)",
  EFBIG: "file too large (EFBIG)",
};

/**
 * A write the filesystem refused (disk full, quota, read-only, I/O error), as one line naming the
 * file and what was kept; `code` is the system error code (ENOSPC, …).
 */
export class FileWriteError extends Error {
  readonly code: string | undefined;
  constructor(path: string, cause: unknown, kept: string) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    const why =
      (code !== undefined ? WRITE_FAILURES[code] : undefined) ??
      String((cause as Error | null)?.message ?? cause).split("\n")[0];
    super(`${path}: not written: ${why}; ${kept}`, { cause });
    this.code = code;
  }
}

/**
 * Writes `data` to `path` atomically: write a temporary file next to it, fsync it, rename it
 * over `path`, then fsync the directory so the rename itself is durable. A crash at any
 * point leaves either the old file or the new one, never a torn mix.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  let fd: number;
  try {
    fd = openSync(tmp, "w");
  } catch (err) {
    throw new FileWriteError(path, err, KEPT);
  }
  try {
    try {
      writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    // A failed write leaves `path` as it was and no temporary file behind.
    rmSync(tmp, { force: true });
    throw new FileWriteError(path, err, KEPT);
  }
  try {
    const dirFd = openSync(dirname(path), "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * {@link writeFileAtomic} on the libuv thread pool: the same tmp → fsync → rename → fsync-dir
 * sequence, so training can go on while the disk syncs. The data is captured when called.
 */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    // As in writeFileAtomic: `path` stays as it was, the temporary file goes.
    await rm(tmp, { force: true });
    throw new FileWriteError(path, err, KEPT);
  }
  try {
    const dir = await open(dirname(path), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Directory fsync unsupported: the rename is still atomic.
  }
}

/** A temporary file of {@link writeFileAtomic}: `<name>.tmp-<pid>-<time>`. */
const TEMP_FILE = /\.tmp-(\d+)-[0-9a-z]+$/;

/**
 * Removes the temporary files that atomic writes into `dir` left behind when their process was
 * killed between writing and renaming (never a live process's: its pid is checked). Returns the
 * names removed. Called on resume, under the run lock.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_FILE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** Whether process `pid` on this host is alive (EPERM: alive, but another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
