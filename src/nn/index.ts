export type { Layer } from "./layer.js";
export { BatchBuffer } from "./batch-buffer.js";
export { torchDefaultUniform } from "./init.js";
export { Dense, type DenseOptions } from "./dense.js";
export { ReLU } from "./relu.js";
export { Flatten } from "./flatten.js";
export { Conv2d, type Conv2dOptions } from "./conv2d.js";
export { convOutputSize, type Pair } from "./conv-geometry.js";
export { Sequential, type SequentialOptions } from "./sequential.js";
