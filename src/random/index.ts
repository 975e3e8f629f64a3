export { Rng, deriveSeed, type RngState } from "./rng.js";
