import { Matrix, SVD } from "ml-matrix";

/**
 * Singular values σ₁ ≥ σ₂ ≥ … of a row-major rows×cols matrix (ml-matrix SVD), for tracking how
 * concentrated a dense layer's spectrum stays during training (Kossaifi et al., TRL, Fig. 1).
 */
export function singularValues(data: Float64Array, rows: number, cols: number): number[] {
  if (data.length !== rows * cols)
    throw new RangeError(
      `singularValues: data has ${data.length} entries, expected rows × cols = ${rows * cols}`,
    );
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]);
  const svd = new SVD(m, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  return [...svd.diagonal].sort((a, b) => b - a);
}

/** Summary numbers of a spectrum: effective rank exp(H(σ/Σσ)) (Roy & Vetterli 2007) and the rank keeping `energy` of Σσ². */
export function spectrumSummary(
  sigma: readonly number[],
  energy = 0.9,
): { effectiveRank: number; energyRank: number; top: number } {
  const total = sigma.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const s of sigma) if (s > 0) h -= (s / total) * Math.log(s / total);
  const sq = sigma.reduce((a, b) => a + b * b, 0);
  let acc = 0;
  let k = 0;
  while (k < sigma.length && acc < energy * sq) acc += sigma[k] * sigma[k++];
  return { effectiveRank: Math.exp(h), energyRank: k, top: sigma[0] ?? 0 };
}
