export { MAX_SEED, Rng, deriveSeed, type RngState } from "./rng.js";
