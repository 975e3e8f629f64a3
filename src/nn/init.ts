import type { Rng } from "../random/rng.js";

/**
 * PyTorch's default init of Linear and Conv2d weights and biases: kaiming_uniform with a = √5 gives
 * U(−1/√fan_in, 1/√fan_in) for the weight, and the bias is U(−1/√fan_in, 1/√fan_in) too
 * (torch.nn.Linear.reset_parameters / torch.nn.Conv2d.reset_parameters; fan_in = in·kh·kw for convs).
 */
export function torchDefaultUniform(out: Float64Array, fanIn: number, rng: Rng): void {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  rng.fillUniform(out, -bound, bound);
}
