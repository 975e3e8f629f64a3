/**
 * Formulas read from the source text of pure functions, so that one definition serves every path:
 * JS calls the function, and the WebAssembly and gpu.js kernels are generated from its text. A
 * formula function is `function name(a, b, …) { return <expression>; }` over its parameters,
 * number literals, named constants (values supplied by the caller), `Math.PI`, parentheses, unary
 * minus, binary `+ − × ÷` and `Math.sqrt/sin/cos/exp/abs(…)`. The tree follows JS precedence and
 * left-to-right association, so every target evaluates the same operations in the same order.
 */

type Binary = "+" | "-" | "*" | "/";
type Node =
  | { readonly kind: "param"; readonly index: number }
  | { readonly kind: "literal"; readonly value: number | string }
  | { readonly kind: "neg" | "call"; readonly fn?: string; readonly arg: Node }
  | { readonly kind: Binary; readonly left: Node; readonly right: Node };

/** What a target supplies: the arithmetic and calls (f64x2 has only √), and where it has them, literals and negation. */
export interface FormulaOps<T> {
  binary(op: Binary, a: T, b: T): T;
  call(fn: string, a: T): T;
  literal?(value: number): T;
  neg?(a: T): T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any numeric signature
type NumericFunction = (...args: any[]) => number;

const parsed = new WeakMap<NumericFunction, { tree: Node; arity: number }>();

function parse(fn: NumericFunction): { tree: Node; arity: number } {
  const text = fn.toString();
  const match = /^function\s*[\w$]*\s*\(([^)]*)\)\s*\{\s*return\b\s*([^;]+);?\s*\}$/.exec(text);
  if (!match) throw new Error(`formula: not a single-return function: ${text}`);
  const params = match[1].split(",").map((s) => s.trim());
  const tokens = match[2].match(/\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|[\w$.]+|\S/gi) ?? [];
  let at = 0;
  const fail = (): never => {
    throw new Error(`formula ${fn.name}: cannot read "${tokens.slice(at).join(" ")}" in ${text}`);
  };
  const expect = (t: string): void => void (tokens[at++] !== t && fail());
  const primary = (): Node => {
    const t = tokens[at++] ?? fail();
    if (t === "-") return { kind: "neg", arg: primary() };
    const call = /^Math\.(sqrt|sin|cos|exp|abs)$/.exec(t)?.[1];
    if (t !== "(" && call === undefined) {
      const index = params.indexOf(t);
      if (index >= 0) return { kind: "param", index };
      return { kind: "literal", value: /^[\d.]/.test(t) ? Number(t) : t };
    }
    if (call !== undefined) expect("(");
    const inner = sum();
    expect(")");
    return call === undefined ? inner : { kind: "call", fn: call, arg: inner };
  };
  const chain = (operand: () => Node, ops: readonly string[]) => (): Node => {
    let left = operand();
    while (ops.includes(tokens[at])) left = { kind: tokens[at++] as Binary, left, right: operand() };
    return left;
  };
  const sum = chain(chain(primary, ["*", "/"]), ["+", "-"]);
  const tree = sum();
  if (at !== tokens.length) fail();
  return { tree, arity: params.length };
}

/**
 * The formula of `fn` built by a target on operands `args` (one per parameter, in order; an
 * operand used twice is emitted twice, so pass cheap ones). Names other than the parameters
 * (module constants, `Math.PI`) take their values from `constants`.
 */
export function applyFormula<T>(
  fn: NumericFunction,
  ops: FormulaOps<T>,
  args: readonly T[],
  constants: Readonly<Record<string, number>> = {},
): T {
  const formula = parsed.get(fn) ?? parse(fn);
  parsed.set(fn, formula);
  if (args.length !== formula.arity)
    throw new RangeError(`formula ${fn.name}: ${formula.arity} operands expected, got ${args.length}`);
  const lacks = (what: string): never => {
    throw new Error(`formula ${fn.name}: this target has no ${what}`);
  };
  const walk = (n: Node): T => {
    switch (n.kind) {
      case "param":
        return args[n.index];
      case "literal": {
        const v =
          typeof n.value === "number"
            ? n.value
            : n.value === "Math.PI"
              ? Math.PI
              : (constants[n.value] ?? constants[bundlerRenamed(n.value, constants)]);
        if (v === undefined) throw new Error(`formula ${fn.name}: no value for ${n.value}`);
        return ops.literal ? ops.literal(v) : lacks("literals");
      }
      case "neg":
        return ops.neg ? ops.neg(walk(n.arg)) : lacks("negation");
      case "call":
        return ops.call(n.fn ?? "", walk(n.arg));
      default:
        return ops.binary(n.kind, walk(n.left), walk(n.right));
    }
  };
  return walk(formula.tree);
}

/**
 * A bundler (esbuild, for the live page's worker) that joins modules into one scope renames a
 * top-level name that several modules declare by appending a number (`DT` → `DT3`), so the source
 * text names `DT3` where the constants say `DT`. Returns the name without that suffix when only it
 * is a constant ("" otherwise).
 */
function bundlerRenamed(name: string, constants: Readonly<Record<string, number>>): string {
  const base = /^([A-Za-z_$][\w$]*?)\d+$/.exec(name)?.[1];
  return base !== undefined && Object.hasOwn(constants, base) && !Object.hasOwn(constants, name) ? base : "";
}

const SOURCE_OPS: FormulaOps<string> = {
  binary: (op, a, b) => `(${a} ${op} ${b})`,
  call: (fn, a) => `Math.${fn}(${a})`,
  literal: (value) => (value < 0 ? `(${value})` : String(value)),
  neg: (a) => `(-${a})`,
};

/**
 * A writer of formulas as fully parenthesised JS source for gpu.js kernel text, `constants`
 * written out as literals: `write(fn, "x", "y")` is `fn`'s expression on the names x and y.
 */
export function formulaWriter(
  constants: Readonly<Record<string, number>> = {},
): (fn: NumericFunction, ...args: string[]) => string {
  return (fn, ...args) => applyFormula(fn, SOURCE_OPS, args, constants);
}
