import { createRequire } from "node:module";
import type * as MathJs from "mathjs";

let cached: typeof MathJs | null = null;

/**
 * mathjs, loaded lazily from its single-file bundle (`mathjs/lib/browser/math.js`, the same
 * library). The package's main entry loads hundreds of modules and takes ~2–3 s of CPU per
 * process or worker thread here; the bundle loads in ~0.15 s. Types come from the main entry.
 */
export function mathjs(): typeof MathJs {
  if (cached === null) cached = createRequire(import.meta.url)("mathjs/lib/browser/math.js") as typeof MathJs;
  return cached;
}
