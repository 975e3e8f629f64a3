import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { FileWriteError, processAlive } from "./atomic-file.js";
import { hostname } from "node:os";
import { join } from "node:path";

/** Lock file of a run directory while a process writes to it: `<pid>@<hostname>`. */
export const RUN_LOCK_FILE = "run.lock";

/** The run directory is held by another live process. */
export class RunLockedError extends Error {}

/** The live process holding `dir` (other than this one), or null. */
export function runLockHolder(dir: string): number | null {
  const path = join(dir, RUN_LOCK_FILE);
  if (!existsSync(path)) return null;
  const [pidText, host] = readFileSync(path, "utf8").trim().split("@");
  const pid = Number(pidText);
  if (host === hostname() && Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) return pid;
  return null;
}

/**
 * Claims run directory `dir` for this process, so that no `resume` writes into a run that is still
 * going: throws {@link RunLockedError} when run.lock names a live process on this host; a lock of
 * a dead process (a killed run) is taken over. Returns the release function (idempotent).
 */
export function lockRunDir(dir: string): () => void {
  const path = join(dir, RUN_LOCK_FILE);
  const holder = runLockHolder(dir);
  if (holder !== null)
    throw new RunLockedError(
      `${dir} is in use by process ${holder} (${RUN_LOCK_FILE}); stop it first, or delete ${path} if that process is not this run`,
    );
  rmSync(path, { force: true });
  try {
    writeFileSync(path, `${process.pid}@${hostname()}\n`, { flag: "wx" });
  } catch (err) {
    // A full disk may leave a torn lock: remove it, nothing else in the folder was touched.
    rmSync(path, { force: true });
    throw new FileWriteError(path, err, "nothing else in the run folder was changed");
  }
  let held = true;
  return () => {
    if (held) rmSync(path, { force: true });
    held = false;
  };
}
