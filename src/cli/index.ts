export { main, buildProgram } from "./main.js";
export { episodeProgressBar } from "./progress.js";
