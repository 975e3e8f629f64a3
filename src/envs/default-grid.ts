import { envSpec } from "./registry.js";

/**
 * A state grid for the LRPG discretizer (src/parametrizations/discretizer.ts): each observation dimension d is
 * clipped to [low_d, high_d] and snapped to the nearest of buckets_d evenly spaced points
 * (endpoints included); `rowDims` are flattened row-major into the matrix row, `colDims` into
 * the column. Matrix size = Π_{rowDims} buckets × Π_{colDims} buckets.
 */
export interface GridSpec {
  readonly low: readonly number[];
  readonly high: readonly number[];
  readonly buckets: readonly number[];
  readonly rowDims: readonly number[];
  readonly colDims: readonly number[];
}

export interface DefaultGrids {
  /** Grid of the policy matrix (μ or logits). */
  readonly actor: GridSpec;
  /** Grid of the value matrix. */
  readonly critic: GridSpec;
  /** Where the numbers come from. */
  readonly source: string;
}

/** Actor and critic on the same grid. */
function same(grid: GridSpec, source: string): DefaultGrids {
  return { actor: grid, critic: grid, source };
}

const ROCKET: GridSpec = {
  low: [0, 1.0, 0.6],
  high: [0.12, 1.03, 1.0],
  buckets: [4, 4, 4],
  rowDims: [0],
  colDims: [1, 2],
};

/**
 * Default grids per registered env id, the one table of them: the presets' paper agents read the
 * LRPG/* entries from here. The LRPG/* entries are the paper's (docs/lrpg.md); the others are choices of this
 * toolkit: dims that matter jointly share an axis, and even bucket counts on signed quantities
 * put a cell boundary at 0 so the sign is always visible.
 */
const GRIDS: Record<string, DefaultGrids> = {
  "LRPG/Pendulum": {
    actor: { low: [-1, -5], high: [1, 5], buckets: [10, 10], rowDims: [0], colDims: [1] },
    critic: { low: [-1, -5], high: [1, 5], buckets: [16, 16], rowDims: [0], colDims: [1] },
    source: "paper: actor get_discretizer(10), critic get_discretizer(16) over θ∈[−1,1] × θ̇∈[−5,5]",
  },
  "LRPG/Acrobot": same(
    { low: [-1, -1, -1, -1], high: [1, 1, 1, 1], buckets: [2, 2, 2, 2], rowDims: [0, 1], colDims: [2, 3] },
    "paper: 4×4, rows (θ1, θ2), cols (θ̇1, θ̇2), 2 points each over [−1, 1]",
  ),
  "LRPG/Rocket": same(ROCKET, "paper: 4×16, rows v∈[0,0.12], cols (h∈[1,1.03], m∈[0.6,1]), 4 points each"),
  "Goddard-v0": same(ROCKET, "same state as LRPG/Rocket: the paper's rocket grid"),
  "Pendulum-v1": same(
    { low: [-1, -1, -8], high: [1, 1, 8], buckets: [10, 10, 10], rowDims: [0, 1], colDims: [2] },
    "toolkit: 10 points per dim over the observation box as in the TLRPG follow-up (10×10×10 over [cos θ, sin θ, θ̇]); rows (cos θ, sin θ) 100, cols θ̇ 10",
  ),
  "Acrobot-v1": same(
    {
      low: [-1, -1, -1, -1, -6, -12],
      high: [1, 1, 1, 1, 6, 12],
      buckets: [2, 2, 2, 2, 4, 4],
      rowDims: [0, 1, 2, 3],
      colDims: [4, 5],
    },
    "toolkit: rows the 4 angle features (2 points each, 16), cols (θ̇1∈[−6,6], θ̇2∈[−12,12]) 4 points each (16)",
  ),
  "CartPole-v1": same(
    {
      low: [-2.4, -3, -0.21, -3],
      high: [2.4, 3, 0.21, 3],
      buckets: [2, 2, 6, 6],
      rowDims: [0, 1],
      colDims: [2, 3],
    },
    "toolkit: rows cart (x, ẋ) 2×2, cols pole (θ, θ̇) 6×6; even counts split every dim at 0",
  ),
  "MountainCarContinuous-v0": same(
    { low: [-1.2, -0.07], high: [0.6, 0.07], buckets: [10, 10], rowDims: [0], colDims: [1] },
    "toolkit: 10×10 over the observation box, rows position, cols velocity",
  ),
};

/** The registered ids that have a default grid (image-observation envs such as MinAtar have none). */
export function listGridEnvs(): string[] {
  return Object.keys(GRIDS);
}

/** Default actor and critic grids of a registered env. */
export function defaultGrids(id: string): DefaultGrids {
  const g = GRIDS[id];
  if (g) return g;
  envSpec(id); // throws the unknown-id error listing the registered ids
  throw new RangeError(
    `defaultGrid: env "${id}" has no default grid (its observation is not a small vector); envs with one: ${listGridEnvs().join(", ")}`,
  );
}

/** Default grid of a registered env for the actor (policy) or the critic (value) matrix. */
export function defaultGrid(id: string, role: "actor" | "critic" = "actor"): GridSpec {
  if (role !== "actor" && role !== "critic")
    throw new RangeError(`defaultGrid: role must be "actor" or "critic", got ${String(role)}`);
  return defaultGrids(id)[role];
}

/** A grid as the Discretizer's (mutable) options, with `buckets` points per dimension when given. */
export function gridOptions(
  g: GridSpec,
  buckets?: number,
): { low: number[]; high: number[]; buckets: number[] | number; rowDims: number[]; colDims: number[] } {
  return {
    low: [...g.low],
    high: [...g.high],
    buckets: buckets ?? [...g.buckets],
    rowDims: [...g.rowDims],
    colDims: [...g.colDims],
  };
}
