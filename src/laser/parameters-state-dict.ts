import type { Parameter } from "../optim/parameter.js";
import { shapeOf, toDense, toNested, type NestedStateDict } from "./tensor.js";

/** A nested state dict of named parameters (names as given, e.g. `conv.weight` [O, C, kh, kw], `q.weight` [out, in]). */
export function parametersToStateDict(params: readonly Parameter[]): NestedStateDict {
  const dict: NestedStateDict = {};
  for (const p of params) dict[p.name] = toNested(p.data, p.shape);
  return dict;
}

/**
 * Writes a nested state dict into named parameters. All keys and shapes are checked before anything
 * is written, so a bad dict leaves the parameters unchanged; errors name the key and both shapes.
 */
export function loadParametersFromStateDict(
  params: readonly Parameter[],
  dict: NestedStateDict,
  source = "state dict",
): void {
  const expected = new Set(params.map((p) => p.name));
  const missing = params.filter((p) => !(p.name in dict)).map((p) => p.name);
  const extra = Object.keys(dict).filter((k) => !expected.has(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new RangeError(
      `${source}: keys do not match the network (missing: ${missing.join(", ") || "none"}; unexpected: ${extra.join(", ") || "none"})`,
    );
  }
  const loaded = params.map((p) => {
    const shape = shapeOf(dict[p.name], p.name);
    if (shape.length !== p.shape.length || shape.some((d, i) => d !== p.shape[i])) {
      throw new RangeError(`${source}: ${p.name} has shape [${shape}], the network expects [${p.shape}]`);
    }
    return toDense(dict[p.name], p.name).data;
  });
  params.forEach((p, i) => p.data.set(loaded[i]));
}
