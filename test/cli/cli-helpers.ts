import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

export const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
export const MAIN = join(process.cwd(), "src", "cli", "main.ts");
const exec = promisify(execFile);

/** Runs `lowrank-rl <args>` to completion; never throws (returns the exit code). */
export async function cli(
  args: string[],
  timeout = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(TSX, [MAIN, ...args], { timeout });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Starts `lowrank-rl <args>` as a child node process (tsx's loader via --import, so signals reach it directly). */
export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * How the child ended. Safe to call after it has already exited (then the "exit" event is
 * gone, so the recorded exit code or signal is returned at once).
 */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
