import { LrpgPopulation, type LrpgPopulationOptions, type PopulationEpisode } from "./lrpg-population.js";

export interface TrainPopulationOptions extends LrpgPopulationOptions {
  /** Episodes per agent. */
  episodes: number;
  /** Called after each lockstep episode (all agents updated); return `false` to stop early. */
  onEpisode?: (report: PopulationEpisode) => void | boolean;
}

/** One agent's results, laid out like a single run's (`trainReinforce`'s returns and lengths). */
export interface PopulationRun {
  seed: number;
  rank: number;
  /** Undiscounted return of each episode. */
  returns: Float64Array;
  /** Steps of each episode. */
  lengths: Int32Array;
  /** Actor and critic loss of each episode's update (as a single run's EpisodeReport). */
  lossActor: Float64Array;
  lossCritic: Float64Array;
}

export interface TrainPopulationResult {
  /** One entry per seed, in the order of `seeds`. */
  runs: PopulationRun[];
  /** Episodes run per agent (fewer than asked when onEpisode stopped training). */
  episodes: number;
  /** Env steps of all agents. */
  totalSteps: number;
  backend: { kind: "cpu" | "gpu"; mode: string; precision: "float64" | "float32" };
  /** Wall-clock seconds of the training loop (backend opening excluded). */
  seconds: number;
}

/**
 * Trains P independent LRPG agents in lockstep (see {@link LrpgPopulation}) and returns each agent's
 * per-episode returns. On the cpu backend `runs[p].returns` is bit-identical to the single run with
 * seed `seeds[p]`; on the gpu backend it agrees within float32 rounding over short horizons.
 */
export async function trainPopulation(options: TrainPopulationOptions): Promise<TrainPopulationResult> {
  const { episodes, onEpisode } = options;
  if (!Number.isInteger(episodes) || episodes < 0)
    throw new RangeError(`episodes must be an integer >= 0, got ${episodes}`);
  const pop = await LrpgPopulation.create(options);
  const P = pop.count;
  const returns = Array.from({ length: P }, () => new Float64Array(episodes));
  const lengths = Array.from({ length: P }, () => new Int32Array(episodes));
  const lossActor = Array.from({ length: P }, () => new Float64Array(episodes));
  const lossCritic = Array.from({ length: P }, () => new Float64Array(episodes));
  const start = performance.now();
  let done = 0;
  try {
    for (let e = 0; e < episodes; e++) {
      const r = await pop.trainEpisode();
      for (let p = 0; p < P; p++) {
        returns[p][e] = r.returns[p];
        lengths[p][e] = r.lengths[p];
        lossActor[p][e] = r.lossActor[p];
        lossCritic[p][e] = r.lossCritic[p];
      }
      done = e + 1;
      if (onEpisode && onEpisode(r) === false) break;
    }
  } finally {
    await pop.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    runs: pop.seeds.map((seed, p) => ({
      seed,
      rank: pop.ranks[p],
      returns: done === episodes ? returns[p] : returns[p].slice(0, done),
      lengths: done === episodes ? lengths[p] : lengths[p].slice(0, done),
      lossActor: done === episodes ? lossActor[p] : lossActor[p].slice(0, done),
      lossCritic: done === episodes ? lossCritic[p] : lossCritic[p].slice(0, done),
    })),
    episodes: done,
    totalSteps: pop.totalSteps,
    backend: { kind: pop.backend.kind, mode: pop.backend.mode, precision: pop.backend.precision },
    seconds,
  };
}
