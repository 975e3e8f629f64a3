import type { Parameter } from "../optim/parameter.js";
import type { PolicyGradientAgent } from "../pg/agent.js";
import type { Rng } from "../random/rng.js";
import type { RunConfig } from "./config.js";

/** An agent the runner can train: the PG interface, plus learning-rate control for schedules. */
export interface RunnableAgent extends PolicyGradientAgent {
  /** Sets the actor's and critic's Adam learning rates (called before each episode's update; the LRPG and NN agents have it). */
  setLearningRates?(actor: number, critic: number): void;
  /** The trainable tensors (for the divergence guard's cheap finiteness scan); else the state dict is scanned. */
  parameters?(): readonly Parameter[];
}

/** Builds the agent a config asks for, drawing its initialisation from `rng`. */
export type AgentFactory = (config: RunConfig, rng: Rng) => RunnableAgent;
