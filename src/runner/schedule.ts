import type { MathNode } from "mathjs";
import { lockedMath } from "./mathjs.js";

/**
 * A learning-rate (or ε) schedule: a constant, or a mathjs expression of the episode compiled
 * once, e.g. `"1e-2 * 0.995^episode"` or `"max(1e-3, 1e-2 * (1 - episode / episodes))"`.
 * Variables in scope: `episode` (0-based index of the episode about to be learned from) and
 * `episodes` (the run's total).
 *
 * Expressions are evaluated by a locked-down mathjs instance (see {@link lockedMath}) and may
 * only use numbers, `episode`, `episodes`, the constants `e`/`pi`, arithmetic, comparison and
 * logical operators, `a ? b : c`, and the scalar functions in {@link SCHEDULE_FUNCTIONS}: no
 * assignments, function definitions, ranges, matrices, units or strings.
 */
export type ScheduleSpec = number | string;
export type Schedule = (episode: number) => number;

/** Longest schedule expression accepted, in characters. */
export const MAX_SCHEDULE_LENGTH = 500;

const ALLOWED_VARIABLES = new Set(["episode", "episodes", "e", "pi", "E", "PI"]);

/** Functions a schedule may call (all scalar). */
// prettier-ignore
export const SCHEDULE_FUNCTIONS: ReadonlySet<string> = new Set([
  "abs", "sign", "min", "max", "floor", "ceil", "round", "fix", "mod",
  "exp", "expm1", "log", "log10", "log2", "log1p", "sqrt", "cbrt", "pow", "square", "cube", "hypot",
  "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
  "add", "subtract", "multiply", "divide", "unaryMinus", "unaryPlus",
]);

/** Operators a schedule may use (by mathjs function name). */
// prettier-ignore
const ALLOWED_OPERATORS = new Set([
  "add", "subtract", "multiply", "divide", "pow", "mod", "unaryMinus", "unaryPlus",
  "larger", "smaller", "largerEq", "smallerEq", "equal", "unequal", "and", "or", "not", "xor",
  "dotMultiply", "dotDivide", "dotPow",
]);

export class ScheduleError extends Error {}

/** Why `node` is not allowed in a schedule, or null when the whole tree is allowed. */
function forbidden(node: MathNode): string | null {
  switch (node.type) {
    case "ConstantNode": {
      const v = (node as unknown as { value: unknown }).value;
      return typeof v === "number" ? null : `only numbers are allowed as constants, got ${JSON.stringify(v)}`;
    }
    case "SymbolNode": {
      const name = (node as unknown as { name: string }).name;
      return ALLOWED_VARIABLES.has(name)
        ? null
        : `unknown name "${name}" (variables available: episode, episodes)`;
    }
    case "ParenthesisNode":
      return forbidden((node as unknown as { content: MathNode }).content);
    case "OperatorNode": {
      const op = node as unknown as { fn: string; op: string; args: MathNode[] };
      if (!ALLOWED_OPERATORS.has(op.fn)) return `operator "${op.op}" is not allowed`;
      return firstForbidden(op.args);
    }
    case "ConditionalNode": {
      const c = node as unknown as { condition: MathNode; trueExpr: MathNode; falseExpr: MathNode };
      return firstForbidden([c.condition, c.trueExpr, c.falseExpr]);
    }
    case "FunctionNode": {
      const f = node as unknown as { fn: MathNode; args: MathNode[] };
      if (f.fn.type !== "SymbolNode") return "only calls of named functions are allowed";
      const name = (f.fn as unknown as { name: string }).name;
      if (!SCHEDULE_FUNCTIONS.has(name))
        return `function ${name}() is not allowed (allowed: ${[...SCHEDULE_FUNCTIONS].join(", ")})`;
      return firstForbidden(f.args);
    }
    case "RangeNode":
      return "ranges (a:b) are not allowed";
    case "ArrayNode":
      return "matrices ([...]) are not allowed";
    case "AssignmentNode":
      return "assignments are not allowed";
    case "FunctionAssignmentNode":
      return "function definitions are not allowed";
    case "BlockNode":
      return "several statements are not allowed";
    case "ObjectNode":
      return "objects ({...}) are not allowed";
    case "AccessorNode":
    case "IndexNode":
      return "indexing and property access are not allowed";
    default:
      return `${node.type} is not allowed`;
  }
}

function firstForbidden(nodes: MathNode[]): string | null {
  for (const n of nodes) {
    const why = forbidden(n);
    if (why !== null) return why;
  }
  return null;
}

/**
 * Compiles `spec` into a function of the episode and checks it gives a finite value > 0 at the
 * first and last episode. The returned function checks every value it gives: a value that is
 * not a finite number > 0 (at any episode) throws a {@link ScheduleError} naming `field`, the
 * episode and the value. Errors name `field`, the expression and what went wrong.
 */
export function compileSchedule(spec: ScheduleSpec, field: string, episodes: number): Schedule {
  if (typeof spec === "number") {
    if (!Number.isFinite(spec) || spec <= 0)
      throw new ScheduleError(`${field}: must be a finite number > 0, got ${spec}`);
    return () => spec;
  }
  if (spec.length > MAX_SCHEDULE_LENGTH) {
    throw new ScheduleError(
      `${field}: expression is ${spec.length} characters long; at most ${MAX_SCHEDULE_LENGTH} are allowed`,
    );
  }
  let node: MathNode;
  try {
    node = lockedMath().parse(spec);
  } catch (err) {
    throw new ScheduleError(`${field}: "${spec}" is not a valid expression (${(err as Error).message})`);
  }
  const why = forbidden(node);
  if (why !== null) throw new ScheduleError(`${field}: "${spec}" is not allowed in a schedule: ${why}`);
  const code = node.compile();
  const raw = (episode: number): number => {
    let v: unknown;
    try {
      v = code.evaluate({ episode, episodes });
    } catch (err) {
      throw new ScheduleError(`${field}: "${spec}" fails at episode ${episode}: ${(err as Error).message}`);
    }
    return typeof v === "number" ? v : Number.NaN;
  };
  const fn: Schedule = (episode) => {
    const v = raw(episode);
    if (!(v > 0) || v === Infinity) {
      throw new ScheduleError(
        `${field}: "${spec}" must give a finite number > 0, got ${v} at episode ${episode}`,
      );
    }
    return v;
  };
  for (const probe of [0, Math.max(0, episodes - 1)]) fn(probe);
  return fn;
}
