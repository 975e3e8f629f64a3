import { CorruptCheckpointError } from "../../src/runner/checkpoint.js";
import { ConfigError } from "../../src/runner/config.js";
import { RunLockedError } from "../../src/runner/run-lock.js";

/**
 * One error path for every `exp:*` script, as for the CLI: a failure prints one line
 * (`exp:<name>: error: <message>`) and no stack trace; exit code 2 for bad input (a config
 * value, a locked run folder, a refused checkpoint), 1 for anything else; the stack is printed
 * when LOWRANK_RL_DEBUG is set. A closed stdout (`… | head`) ends the script quietly.
 *
 * Import it first, for its effect: `import "./lib/script-errors.js";`.
 */
const script = /(?:^|[\\/])([\w-]+)\.(?:ts|js)$/.exec(process.argv[1] ?? "")?.[1] ?? "experiment";

function report(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  if (process.env.LOWRANK_RL_DEBUG) process.stderr.write(`${e.stack ?? e.message}\n`);
  else {
    const firstLine = e.message.split("\n")[0];
    process.stderr.write(
      `exp:${script}: error: ${firstLine}\n(set LOWRANK_RL_DEBUG=1 for the stack trace)\n`,
    );
  }
  const usage =
    e instanceof ConfigError || e instanceof RunLockedError || e instanceof CorruptCheckpointError;
  process.exit(usage ? 2 : 1);
}

process.on("uncaughtException", report);
process.on("unhandledRejection", report);
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  report(err);
});

/**
 * Commander's exit hook for the scripts' programs (`new Command().exitOverride(usageExit)`): a bad
 * flag has already printed its one-line message; exit with the usage code 2 (0 for --help).
 */
export function usageExit(err: { exitCode: number }): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
}
