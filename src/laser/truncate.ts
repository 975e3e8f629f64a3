import type { NestedStateDict } from "./tensor.js";
import { energyKept, reconstructRank, relativeFrobeniusError, thinSvd } from "./truncated-svd.js";
import {
  enumerateWeightMatrices,
  findWeightMatrix,
  withTruncatedMatrix,
  type WeightMatrix,
} from "./weight-matrices.js";

export interface TruncationResult {
  /** A new state dict; the input is not modified. */
  readonly stateDict: NestedStateDict;
  readonly matrix: WeightMatrix;
  readonly rank: number;
  readonly energyKept: number;
  readonly relativeError: number;
  /** k·(m + n). */
  readonly parameters: number;
}

/**
 * One LASER intervention: the weight matrix `layer` of `dict` replaced by its exact rank-`rank`
 * SVD truncation (see {@link withTruncatedMatrix}). Throws for an unknown layer or a rank outside [1, maxRank].
 */
export function truncateLayer(dict: NestedStateDict, layer: string, rank: number): TruncationResult {
  const matrix = findWeightMatrix(enumerateWeightMatrices(dict), layer);
  const svd = thinSvd(matrix.values, matrix.rows, matrix.cols);
  const stateDict = withTruncatedMatrix(dict, matrix, svd, rank);
  return {
    stateDict,
    matrix,
    rank,
    energyKept: energyKept(svd.sigma, rank),
    relativeError:
      rank === matrix.maxRank ? 0 : relativeFrobeniusError(matrix.values, reconstructRank(svd, rank)),
    parameters: rank * (matrix.rows + matrix.cols),
  };
}
