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

/** Functions of the locked-down instance that throw when an expression calls them. */
const DISABLED = [
  "import",
  "createUnit",
  "config",
  "evaluate",
  "parse",
  "simplify",
  "simplifyConstant",
  "simplifyCore",
  "rationalize",
  "compile",
  "derivative",
  "resolve",
  "reviver",
  "replacer",
  "chain",
] as const;

export interface LockedMath {
  /** Parses an expression with the instance's parser (captured before it was disabled). */
  parse: (expr: string) => MathJs.MathNode;
}

let locked: LockedMath | null = null;

/**
 * A dedicated mathjs instance for user expressions (learning-rate schedules), separate from
 * {@link mathjs}: its `import`, `createUnit`, `config`, `evaluate`, `parse`, `simplify`,
 * `compile`, `derivative`, `resolve`, … throw when called from an expression, so no
 * expression can change what another evaluates to (mathjs docs, "Security").
 */
export function lockedMath(): LockedMath {
  if (locked !== null) return locked;
  const base = mathjs();
  const math = base.create(base.all, {});
  const parse = math.parse.bind(math) as LockedMath["parse"];
  const disabled: Record<string, () => never> = {};
  for (const name of DISABLED) {
    disabled[name] = () => {
      throw new Error(`function ${name} is disabled in schedule expressions`);
    };
  }
  math.import(disabled, { override: true });
  locked = { parse };
  return locked;
}
