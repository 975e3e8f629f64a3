export { LowRankMatrix, type LowRankInit } from "./low-rank-matrix.js";
