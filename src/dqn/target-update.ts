import type { Parameter } from "../optim/parameter.js";

function checkPaired(source: readonly Parameter[], target: readonly Parameter[], who: string): void {
  if (source.length !== target.length)
    throw new RangeError(`${who}: source has ${source.length} parameters, target ${target.length}`);
  for (let q = 0; q < source.length; q++) {
    if (source[q].data.length !== target[q].data.length) {
      throw new RangeError(
        `${who}: parameter ${q} ("${source[q].name}") has ${source[q].data.length} entries, target "${target[q].name}" ${target[q].data.length}`,
      );
    }
  }
}

/** Hard target update θ⁻ ← θ (Mnih et al. 2015), parameters paired by position. */
export function hardUpdate(source: readonly Parameter[], target: readonly Parameter[]): void {
  checkPaired(source, target, "hardUpdate");
  for (let q = 0; q < source.length; q++) target[q].data.set(source[q].data);
}

/** Polyak averaging θ⁻ ← τθ + (1−τ)θ⁻ (Lillicrap et al. 2016); τ = 1 is the hard update. */
export function polyakUpdate(source: readonly Parameter[], target: readonly Parameter[], tau: number): void {
  if (!(tau > 0 && tau <= 1)) throw new RangeError(`polyakUpdate: tau must be in (0, 1], got ${tau}`);
  if (tau === 1) return hardUpdate(source, target);
  checkPaired(source, target, "polyakUpdate");
  for (let q = 0; q < source.length; q++) {
    const s = source[q].data;
    const t = target[q].data;
    for (let i = 0; i < s.length; i++) t[i] = tau * s[i] + (1 - tau) * t[i];
  }
}
