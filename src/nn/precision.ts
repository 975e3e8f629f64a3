import type { MatmulPrecision } from "../factor/gemm.js";

export type { MatmulPrecision };

/** The values a layer's `precision` option accepts. */
export const MATMUL_PRECISIONS: readonly MatmulPrecision[] = ["f64", "f32"];

/**
 * Resolves a layer's `precision` option: undefined → 'f64' (the default); otherwise the value must be
 * 'f64' or 'f32', else a RangeError naming `field`, the value and the allowed values.
 *
 * 'f32' asks the matrix products to round their operands to single precision and accumulate in single
 * precision, like PyTorch's float32 layers; parameters, gradients and the arrays a layer returns stay
 * Float64Array, and the elementwise work (bias, activations) stays in double precision.
 */
export function resolvePrecision(value: unknown, field: string): MatmulPrecision {
  if (value === undefined) return "f64";
  if (value === "f64" || value === "f32") return value;
  throw new RangeError(
    `${field} must be one of ${MATMUL_PRECISIONS.map((p) => `'${p}'`).join(", ")}, got ${typeof value === "string" ? `'${value}'` : String(value)}`,
  );
}
