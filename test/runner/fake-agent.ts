import { Adam } from "../../src/optim/adam.js";
import { makeParameter, type Parameter } from "../../src/optim/parameter.js";
import type { AgentTrainingState, Episode, LearnResult, StateDict } from "../../src/pg/agent.js";
import type { Rng } from "../../src/random/rng.js";
import type { AgentFactory, RunnableAgent } from "../../src/runner/agent-factory.js";

/**
 * A small linear-Gaussian REINFORCE agent for runner tests (independent of src/lrpg):
 * μ(s) = w·s + b, V(s) = v·s + c, scalar log σ; Adam on both. `divergeAt` makes `learn`
 * return a NaN actor loss from that episode on (1-based count of learn calls).
 */
export class LinearAgent implements RunnableAgent {
  readonly stateDim: number;
  readonly gamma = 0.99;
  readonly parameterCount: { actor: number; critic: number; sigma: number; total: number; trained: number };
  private readonly w: Parameter;
  private readonly v: Parameter;
  private readonly logSigma: Parameter;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;
  private calls = 0;

  constructor(
    stateDim: number,
    rng: Rng,
    lr = 1e-2,
    private readonly divergeAt = Infinity,
  ) {
    this.stateDim = stateDim;
    this.w = makeParameter(
      "mu.weight",
      [stateDim + 1],
      new Float64Array(stateDim + 1).map(() => 0.1 * rng.normal()),
    );
    this.v = makeParameter("value.weight", [stateDim + 1]);
    this.logSigma = makeParameter("log_sigma", [1], new Float64Array([0]));
    this.actorOpt = new Adam([this.w, this.logSigma], { lr });
    this.criticOpt = new Adam([this.v], { lr: 10 * lr });
    this.parameterCount = {
      actor: stateDim + 1,
      critic: stateDim + 1,
      sigma: 1,
      total: 2 * (stateDim + 1),
      trained: 2 * (stateDim + 1) + 1,
    };
  }
  private lin(p: Float64Array, s: ArrayLike<number>): number {
    let z = p[this.stateDim];
    for (let d = 0; d < this.stateDim; d++) z += p[d] * s[d];
    return z;
  }
  mean(s: ArrayLike<number>): number {
    return this.lin(this.w.data, s);
  }
  sigma(): number {
    return Math.exp(this.logSigma.data[0]);
  }
  value(s: ArrayLike<number>): number {
    return this.lin(this.v.data, s);
  }
  act(s: ArrayLike<number>, rng: Rng): number {
    return this.mean(s) + this.sigma() * rng.normal();
  }
  actDeterministic(s: ArrayLike<number>): number {
    return this.mean(s);
  }
  setLearningRates(actor: number, critic: number): void {
    this.actorOpt.lr = actor;
    this.criticOpt.lr = critic;
  }
  learn(ep: Episode): LearnResult {
    this.calls++;
    const T = ep.length ?? ep.rewards.length;
    const S = this.stateDim;
    const G = new Float64Array(T);
    let g = 0;
    for (let t = T - 1; t >= 0; t--) G[t] = g = ep.rewards[t] + this.gamma * g;
    this.w.grad.fill(0);
    this.logSigma.grad.fill(0);
    this.v.grad.fill(0);
    let la = 0;
    let lc = 0;
    const sigma = this.sigma();
    for (let t = 0; t < T; t++) {
      const s = ep.states.subarray(t * S, t * S + S);
      const V = this.value(s);
      const A = G[t] - V;
      const mu = this.mean(s);
      const a = ep.actions[t];
      const z = (a - mu) / sigma;
      la += (A * (0.5 * z * z + Math.log(sigma))) / T;
      const gMu = (-A * (a - mu)) / (sigma * sigma) / T;
      for (let d = 0; d < S; d++) this.w.grad[d] += gMu * s[d];
      this.w.grad[S] += gMu;
      this.logSigma.grad[0] += (-A * (z * z - 1)) / T;
      lc += ((V - G[t]) * (V - G[t])) / T;
      const gV = (2 * (V - G[t])) / T;
      for (let d = 0; d < S; d++) this.v.grad[d] += gV * s[d];
      this.v.grad[S] += gV;
    }
    this.actorOpt.step();
    this.criticOpt.step();
    if (this.calls >= this.divergeAt) la = Number.NaN;
    return { lossActor: la, lossCritic: lc };
  }
  exportStateDict(): StateDict {
    return {
      "mu.weight": [...this.w.data],
      "value.weight": [...this.v.data],
      log_sigma: [this.logSigma.data[0]],
    };
  }
  importStateDict(d: StateDict): void {
    this.w.data.set(d["mu.weight"] as number[]);
    this.v.data.set(d["value.weight"] as number[]);
    this.logSigma.data.set(d["log_sigma"] as number[]);
  }
  getTrainingState(): AgentTrainingState {
    return { actor: this.actorOpt.getState(), critic: this.criticOpt.getState() };
  }
  setTrainingState(s: AgentTrainingState): void {
    this.actorOpt.setState(s.actor);
    this.criticOpt.setState(s.critic);
  }
}

export const linearFactory: AgentFactory = (config, rng) => new LinearAgent(2, rng);
export const divergingFactory =
  (at: number): AgentFactory =>
  (config, rng) =>
    new LinearAgent(2, rng, 1e-2, at);
