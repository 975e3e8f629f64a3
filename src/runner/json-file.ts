import { readFileSync } from "node:fs";

/** A run file that cannot be read or parsed; the message names the file (and line) and what it should hold. */
export class RunFileError extends Error {}

/** Parses the JSON file at `path` (`what` says what it should hold); errors name the file. */
export function readJsonFile<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new RunFileError(
      `${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new RunFileError(`${path}: not valid JSON, expected ${what} (${(err as Error).message})`);
  }
}

/** Parses JSON Lines text read from `path`, skipping blank lines; an error names the file and the line. */
export function parseJsonLines<T>(path: string, text: string): T[] {
  const out: T[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim().length === 0) continue;
    try {
      out.push(JSON.parse(lines[i]) as T);
    } catch (err) {
      throw new RunFileError(`${path}:${i + 1}: not a valid JSON line (${(err as Error).message})`);
    }
  }
  return out;
}
