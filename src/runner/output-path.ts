import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * What is wrong with an output path given to `flag`, before anything is written, or null when it
 * can be used: an empty path; for a folder, an existing non-directory; for a file, an existing
 * directory; a path that cannot be created because its nearest existing ancestor is a file (as in
 * `/dev/null/x`) or is not writable.
 */
export function outputPathProblem(flag: string, value: string, kind: "dir" | "file"): string | null {
  if (value.trim() === "")
    return `${flag} must name a ${kind === "dir" ? "directory" : "file"}, got an empty path`;
  const target = resolve(value);
  if (existsSync(target)) {
    const isDir = statSync(target).isDirectory();
    if (kind === "dir" && !isDir) return `${flag} ${value}: exists and is not a directory`;
    if (kind === "file" && isDir) return `${flag} ${value}: is a directory, expected a file name`;
  }
  let dir = kind === "dir" && existsSync(target) ? target : dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) return `${flag} ${value}: cannot create it, ${dir} is not a directory`;
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `${flag} ${value}: ${dir} is not writable`;
  }
  return null;
}
