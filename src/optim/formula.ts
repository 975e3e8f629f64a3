/**
 * Reading a formula from the source text of a pure function, so that one definition serves every
 * path: JS calls the function, and the WebAssembly and gpu.js kernels are generated from its text
 * by {@link applyFormula}. A formula function has the form
 * `function name(a, b, …) { return <expression>; }` where the expression uses only its
 * parameters, number literals, named constants (their values supplied by the caller), `Math.PI`,
 * parentheses, unary and binary `+ − × ÷` (no unary +) and `Math.sqrt/sin/cos/exp/abs(…)`. The tree follows
 * JS precedence and left-to-right association, so every target evaluates the same operations in
 * the same order. (The f64x2 optimizer kernels accept only the arithmetic and √.)
 */

type Call = "sqrt" | "sin" | "cos" | "exp" | "abs";

type Node =
  | { readonly kind: "param"; readonly index: number }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "neg"; readonly arg: Node }
  | { readonly kind: "call"; readonly fn: Call; readonly arg: Node }
  | { readonly kind: "+" | "-" | "*" | "/"; readonly left: Node; readonly right: Node };

/**
 * The operations a target supplies to {@link applyFormula}: the arithmetic, and where it has them,
 * literals (numbers, and the named constants the caller resolves), negation and the other calls.
 */
export interface FormulaOps<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  sqrt(a: T): T;
  literal?(value: number): T;
  neg?(a: T): T;
  call?(fn: Exclude<Call, "sqrt">, a: T): T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any numeric signature
type NumericFunction = (...args: any[]) => number;

const parsed = new WeakMap<NumericFunction, { tree: Node; arity: number }>();
const CALLS: readonly string[] = ["sqrt", "sin", "cos", "exp", "abs"];

function parse(fn: NumericFunction): { tree: Node; arity: number } {
  const text = fn.toString();
  const match = /^function\s*[\w$]*\s*\(([^)]*)\)\s*\{\s*return\b\s*([^;]+);?\s*\}$/.exec(text);
  if (!match) throw new Error(`formula: not a single-return function: ${text}`);
  const params = match[1].split(",").map((s) => s.trim());
  const tokens = match[2].match(/\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|[\w$.]+|[-+*/()]|\S/gi) ?? [];
  let at = 0;
  const fail = (): never => {
    throw new Error(`formula ${fn.name}: cannot read "${tokens.slice(at).join(" ")}" in ${text}`);
  };
  const expect = (t: string): void => {
    if (tokens[at++] !== t) fail();
  };
  const primary = (): Node => {
    const t = tokens[at++] ?? fail();
    if (t === "(") {
      const inner = sum();
      expect(")");
      return inner;
    }
    if (t === "-") return { kind: "neg", arg: primary() };
    if (/^[\d.]/.test(t)) return { kind: "number", value: Number(t) };
    const call = t.startsWith("Math.") ? t.slice(5) : "";
    if (CALLS.includes(call)) {
      expect("(");
      const arg = sum();
      expect(")");
      return { kind: "call", fn: call as Call, arg };
    }
    const index = params.indexOf(t);
    return index >= 0 ? { kind: "param", index } : { kind: "name", name: t };
  };
  const chain = (operand: () => Node, ops: readonly string[]) => (): Node => {
    let left = operand();
    while (ops.includes(tokens[at])) {
      const kind = tokens[at++] as "+" | "-" | "*" | "/";
      left = { kind, left, right: operand() };
    }
    return left;
  };
  const product = chain(primary, ["*", "/"]);
  const sum = chain(product, ["+", "-"]);
  const tree = sum();
  if (at !== tokens.length) fail();
  return { tree, arity: params.length };
}

/**
 * The formula of `fn` evaluated by a target on operands `args` (one per parameter of `fn`, in
 * order; an operand used twice is emitted twice, so pass cheap ones: locals, names). Other names
 * in the formula (module constants, `Math.PI`) take their values from `constants`.
 */
export function applyFormula<T>(
  fn: NumericFunction,
  ops: FormulaOps<T>,
  args: readonly T[],
  constants: Readonly<Record<string, number>> = {},
): T {
  let formula = parsed.get(fn);
  if (formula === undefined) {
    formula = parse(fn);
    parsed.set(fn, formula);
  }
  if (args.length !== formula.arity)
    throw new RangeError(`formula ${fn.name}: ${formula.arity} operands expected, got ${args.length}`);
  const unsupported = (what: string): never => {
    throw new Error(`formula ${fn.name}: this target has no ${what}`);
  };
  const walk = (n: Node): T => {
    switch (n.kind) {
      case "param":
        return args[n.index];
      case "number":
      case "name": {
        const value = n.kind === "number" ? n.value : n.name === "Math.PI" ? Math.PI : constants[n.name];
        if (value === undefined)
          throw new Error(`formula ${fn.name}: no value for ${n.kind === "name" ? n.name : ""}`);
        return ops.literal ? ops.literal(value) : unsupported("literals");
      }
      case "neg":
        return ops.neg ? ops.neg(walk(n.arg)) : unsupported("negation");
      case "call":
        if (n.fn === "sqrt") return ops.sqrt(walk(n.arg));
        return ops.call ? ops.call(n.fn, walk(n.arg)) : unsupported(`Math.${n.fn}`);
      case "+":
        return ops.add(walk(n.left), walk(n.right));
      case "-":
        return ops.sub(walk(n.left), walk(n.right));
      case "*":
        return ops.mul(walk(n.left), walk(n.right));
      case "/":
        return ops.div(walk(n.left), walk(n.right));
    }
  };
  return walk(formula.tree);
}

/** Operations writing a formula as fully parenthesised JS source (for gpu.js kernel text). */
export const SOURCE_OPS: Required<FormulaOps<string>> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  literal: (value) => (Object.is(value, -0) || value < 0 ? `(${value})` : String(value)),
  neg: (a) => `(-${a})`,
  call: (fn, a) => `Math.${fn}(${a})`,
};

/**
 * The source text (for a gpu.js kernel) of formula `fn` on the named operands, with `constants`
 * written out as literals.
 */
export function formulaSource(
  fn: NumericFunction,
  args: readonly string[],
  constants: Readonly<Record<string, number>> = {},
): string {
  return applyFormula(fn, SOURCE_OPS, args, constants);
}
