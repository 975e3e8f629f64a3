/** The LRPG state grid lives with the grid parametrizations; re-exported here for existing imports. */
export { Discretizer, roundHalfEven, type DiscretizerOptions } from "../parametrizations/discretizer.js";
