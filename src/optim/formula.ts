/**
 * Reading a formula from the source text of a pure function, so that one definition serves every
 * path: JS calls the function, and the WebAssembly and gpu.js kernels are generated from its text
 * by {@link applyFormula}. A formula function has the form
 * `function name(a, b, …) { return <expression>; }` where the expression uses only its
 * parameters, parentheses, `+ − × ÷` and `Math.sqrt(…)`: no literals, no other calls (a
 * generator could not reproduce them exactly). The tree follows JS precedence and
 * left-to-right association, so every target evaluates the same operations in the same order.
 */

type Node =
  | { readonly kind: "param"; readonly index: number }
  | { readonly kind: "sqrt"; readonly arg: Node }
  | { readonly kind: "+" | "-" | "*" | "/"; readonly left: Node; readonly right: Node };

/** The operations a target supplies to {@link applyFormula}. */
export interface FormulaOps<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  sqrt(a: T): T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any numeric signature
type NumericFunction = (...args: any[]) => number;

const parsed = new WeakMap<NumericFunction, { tree: Node; arity: number }>();

function parse(fn: NumericFunction): { tree: Node; arity: number } {
  const text = fn.toString();
  const match = /^function\s*[\w$]*\s*\(([^)]*)\)\s*\{\s*return\s+([^;]+);?\s*\}$/.exec(text);
  if (!match) throw new Error(`formula: not a single-return function: ${text}`);
  const params = match[1].split(",").map((s) => s.trim());
  const tokens = match[2].match(/Math\.sqrt|[\w$]+|[-+*/()]|\S/g) ?? [];
  let at = 0;
  const fail = (): never => {
    throw new Error(`formula ${fn.name}: cannot read "${tokens.slice(at).join(" ")}" in ${text}`);
  };
  const expect = (t: string): void => {
    if (tokens[at++] !== t) fail();
  };
  const primary = (): Node => {
    const t = tokens[at++];
    if (t === "(") {
      const inner = sum();
      expect(")");
      return inner;
    }
    if (t === "Math.sqrt") {
      expect("(");
      const arg = sum();
      expect(")");
      return { kind: "sqrt", arg };
    }
    const index = params.indexOf(t);
    return index >= 0 ? { kind: "param", index } : fail();
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
 * order; an operand used twice is emitted twice, so pass cheap ones: locals, names).
 */
export function applyFormula<T>(fn: NumericFunction, ops: FormulaOps<T>, args: readonly T[]): T {
  let formula = parsed.get(fn);
  if (formula === undefined) {
    formula = parse(fn);
    parsed.set(fn, formula);
  }
  if (args.length !== formula.arity)
    throw new RangeError(`formula ${fn.name}: ${formula.arity} operands expected, got ${args.length}`);
  const walk = (n: Node): T => {
    switch (n.kind) {
      case "param":
        return args[n.index];
      case "sqrt":
        return ops.sqrt(walk(n.arg));
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
export const SOURCE_OPS: FormulaOps<string> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  sqrt: (a) => `Math.sqrt(${a})`,
};
