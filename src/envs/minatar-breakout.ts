import { Rng } from "../random/rng.js";
import { checkResetSeed } from "./core-env.js";
import {
  DEFAULT_ENV_SEED,
  type Env,
  type EnvOptions,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type StepView,
} from "./env.js";
import { Box, Discrete } from "./spaces.js";
import { checkInteger, layerField, type LayerFields, LeafResumable, rngField } from "./resumable.js";

/**
 * MinAtar Breakout (Young & Tian 2019, arXiv 1903.03176), re-implemented from the written rules
 * in docs/envs.md §3 (MinAtar itself is GPL-3.0; no code was translated).
 *
 * A 10×10 grid, x = column (0 left … 9 right), y = row (0 top … 9 bottom). The paddle lives in
 * row 9, three rows of bricks fill rows 1–3, the ball moves one cell diagonally per step.
 * +1 per brick broken; the episode terminates when the ball reaches row 9 without a paddle
 * bounce. No time limit. Raw actions 0..5 = no-op, left, up, right, down, fire; only left/right
 * act. With `minimalActions` the action space is {0, 1, 2} ↦ raw {0, 1, 3}.
 *
 * Observation: binary tensor [10][10][4] indexed (y, x, channel), flattened with index
 * (y·10 + x)·4 + c; channels 0 paddle, 1 ball, 2 trail (ball's previous cell), 3 bricks.
 *
 * Sticky actions (Machado et al. 2018, as MinAtar's `Environment`): at every step, with probability
 * `stickyActionProb` the previously executed raw action is repeated instead of the chosen one. The
 * previous action starts at 0 at construction and is NOT reset between episodes. All randomness
 * (the sticky draw, one uniform per step when p > 0, and the start side, one draw per reset) comes
 * from the env's own {@link Rng} (`options.rng`; `reset({seed})` replaces it with `new Rng(seed)`).
 */

export const BREAKOUT_GRID = 10;
export const BREAKOUT_CHANNELS = 4;
/** Raw actions of the minimal action set (MinAtar/Breakout-v1): no-op, left, right. */
export const BREAKOUT_MINIMAL_ACTIONS: readonly number[] = [0, 1, 3];

/** The game state in the golden file's layout (`bricks[y]` is a 10-char 0/1 string, char x). */
export interface BreakoutState {
  ball_x: number;
  ball_y: number;
  /** 0 up-left (−1,−1), 1 up-right (+1,−1), 2 down-right (+1,+1), 3 down-left (−1,+1); dy > 0 is down. */
  ball_dir: number;
  pos: number;
  last_x: number;
  last_y: number;
  strike: boolean;
  terminal: boolean;
  bricks: string[];
}

export interface MinAtarBreakoutOptions extends EnvOptions {
  /** Probability of repeating the previous action, in [0, 1]; default 0.1 (MinAtar's default). */
  stickyActionProb?: number;
  /** Use the 3-action minimal set (MinAtar/Breakout-v1) instead of all 6 (v0). Default false. */
  minimalActions?: boolean;
}

const N = BREAKOUT_GRID;
const DX = [-1, 1, 1, -1];
const DY = [-1, -1, 1, 1];
/** Direction after a side-wall bounce (dx negated). */
const FLIP_X = [1, 0, 3, 2];
/** Direction after a ceiling / brick / straight paddle bounce (dy negated). */
const FLIP_Y = [3, 2, 1, 0];
/** Direction after a paddle-corner bounce (both negated). */
const REVERSE = [2, 3, 0, 1];

export class MinAtarBreakout extends LeafResumable implements Env<BreakoutState, number> {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly maxEpisodeSteps = undefined;
  readonly stickyActionProb: number;
  readonly minimalActions: boolean;
  /** Raw action executed on the previous step (sticky-action memory). */
  lastAction = 0;
  private rng: Rng;

  private ballX = 0;
  private ballY = 3;
  private ballDir = 2;
  private pos = 4;
  private lastX = 0;
  private lastY = 3;
  private strike = false;
  private terminal = false;
  /** brick[y·10 + x] ∈ {0, 1}. */
  private readonly brick = new Uint8Array(N * N);
  private readonly view: StepView & { observation: Float64Array } = {
    observation: new Float64Array(N * N * BREAKOUT_CHANNELS),
    reward: 0,
    terminated: false,
    truncated: false,
  };

  constructor(options: MinAtarBreakoutOptions = {}) {
    super();
    const p = options.stickyActionProb ?? 0.1;
    if (!(p >= 0 && p <= 1))
      throw new RangeError(`MinAtarBreakout: stickyActionProb must be in [0, 1], got ${p}`);
    this.stickyActionProb = p;
    this.minimalActions = options.minimalActions ?? false;
    this.rng = options.rng ?? new Rng(DEFAULT_ENV_SEED);
    this.id = this.minimalActions ? "MinAtar/Breakout-v1" : "MinAtar/Breakout-v0";
    this.actionSpace = new Discrete(this.minimalActions ? 3 : 6);
    const size = N * N * BREAKOUT_CHANNELS;
    this.observationSpace = new Box(new Float64Array(size), new Float64Array(size).fill(1), [
      N,
      N,
      BREAKOUT_CHANNELS,
    ]);
    this.resetGame();
  }

  reset(options: ResetOptions = {}): ResetResult {
    if (options.seed !== undefined) this.rng = new Rng(checkResetSeed(this.id, options.seed));
    this.resetGame();
    return { observation: this.observation(), info: {} };
  }

  step(action: number): StepResult {
    const reward = this.advance(action);
    return { observation: this.observation(), reward, terminated: this.terminal, truncated: false, info: {} };
  }

  /** Allocation-free `step`: the same transition, written into one reused {@link StepView}. */
  stepInPlace(action: number): StepView {
    const view = this.view;
    view.reward = this.advance(action);
    view.terminated = this.terminal;
    this.writeObservation(view.observation);
    return view;
  }

  /** Validates the action, applies sticky actions and plays one tick; returns the reward. */
  private advance(action: number): number {
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(
        `${this.id}: action must be an integer in [0, ${this.actionSpace.n - 1}], got ${action}`,
      );
    }
    let raw = this.minimalActions ? BREAKOUT_MINIMAL_ACTIONS[action] : action;
    if (this.stickyActionProb > 0 && this.rng.uniform() < this.stickyActionProb) raw = this.lastAction;
    this.lastAction = raw;
    return this.act(raw);
  }

  /** One game tick with a raw action (rules of docs/envs.md §3, steps 1–7); returns the reward. */
  private act(raw: number): number {
    if (this.terminal) return 0;
    if (raw === 1) this.pos = Math.max(0, this.pos - 1);
    else if (raw === 3) this.pos = Math.min(N - 1, this.pos + 1);

    this.lastX = this.ballX;
    this.lastY = this.ballY;
    let nx = this.ballX + DX[this.ballDir];
    let ny = this.ballY + DY[this.ballDir];
    if (nx < 0 || nx > N - 1) {
      nx = nx < 0 ? 0 : N - 1;
      this.ballDir = FLIP_X[this.ballDir];
    }

    let reward = 0;
    let struck = false;
    if (ny < 0) {
      ny = 0;
      this.ballDir = FLIP_Y[this.ballDir];
    } else if (this.brick[ny * N + nx] === 1) {
      struck = true;
      if (!this.strike) {
        reward = 1;
        this.strike = true;
        this.brick[ny * N + nx] = 0;
        ny = this.lastY;
        this.ballDir = FLIP_Y[this.ballDir];
      }
    } else if (ny === N - 1) {
      if (this.brickCount() === 0) this.fillBricks();
      if (this.ballX === this.pos) {
        this.ballDir = FLIP_Y[this.ballDir];
        ny = this.lastY;
      } else if (nx === this.pos) {
        this.ballDir = REVERSE[this.ballDir];
        ny = this.lastY;
      } else {
        this.terminal = true;
      }
    }
    if (!struck) this.strike = false;
    this.ballX = nx;
    this.ballY = ny;
    return reward;
  }

  /** Writes the (y, x, channel) binary observation into `out` (length 400) and returns it. */
  writeObservation(out: Float64Array): Float64Array {
    out.fill(0);
    out[((N - 1) * N + this.pos) * BREAKOUT_CHANNELS + 0] = 1;
    out[(this.ballY * N + this.ballX) * BREAKOUT_CHANNELS + 1] = 1;
    out[(this.lastY * N + this.lastX) * BREAKOUT_CHANNELS + 2] = 1;
    for (let cell = 0; cell < N * N; cell++)
      if (this.brick[cell] === 1) out[cell * BREAKOUT_CHANNELS + 3] = 1;
    return out;
  }

  observation(): Float64Array {
    return this.writeObservation(new Float64Array(N * N * BREAKOUT_CHANNELS));
  }

  getState(): BreakoutState {
    const bricks: string[] = [];
    for (let y = 0; y < N; y++) {
      let row = "";
      for (let x = 0; x < N; x++) row += this.brick[y * N + x] === 1 ? "1" : "0";
      bricks.push(row);
    }
    return {
      ball_x: this.ballX,
      ball_y: this.ballY,
      ball_dir: this.ballDir,
      pos: this.pos,
      last_x: this.lastX,
      last_y: this.lastY,
      strike: this.strike,
      terminal: this.terminal,
      bricks,
    };
  }

  setState(state: BreakoutState): void {
    const cell = (field: keyof BreakoutState, v: unknown, hi: number): number => {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > hi) {
        throw new RangeError(
          `MinAtarBreakout.setState: ${field} must be an integer in [0, ${hi}], got ${String(v)}`,
        );
      }
      return v as number;
    };
    const ballX = cell("ball_x", state.ball_x, N - 1);
    const ballY = cell("ball_y", state.ball_y, N - 1);
    const ballDir = cell("ball_dir", state.ball_dir, 3);
    const pos = cell("pos", state.pos, N - 1);
    const lastX = cell("last_x", state.last_x, N - 1);
    const lastY = cell("last_y", state.last_y, N - 1);
    if (typeof state.strike !== "boolean")
      throw new TypeError(`MinAtarBreakout.setState: strike must be a boolean, got ${String(state.strike)}`);
    if (typeof state.terminal !== "boolean")
      throw new TypeError(
        `MinAtarBreakout.setState: terminal must be a boolean, got ${String(state.terminal)}`,
      );
    if (!Array.isArray(state.bricks) || state.bricks.length !== N) {
      throw new RangeError(
        `MinAtarBreakout.setState: bricks must be ${N} row strings, got ${String(state.bricks)}`,
      );
    }
    const brick = new Uint8Array(N * N);
    state.bricks.forEach((row, y) => {
      if (typeof row !== "string" || !/^[01]{10}$/.test(row)) {
        throw new RangeError(
          `MinAtarBreakout.setState: bricks[${y}] must be a 10-char 0/1 string, got ${JSON.stringify(row)}`,
        );
      }
      for (let x = 0; x < N; x++) brick[y * N + x] = row.charCodeAt(x) === 49 ? 1 : 0;
    });
    this.ballX = ballX;
    this.ballY = ballY;
    this.ballDir = ballDir;
    this.pos = pos;
    this.lastX = lastX;
    this.lastY = lastY;
    this.strike = state.strike;
    this.terminal = state.terminal;
    this.brick.set(brick);
  }

  protected layerFields(): LayerFields {
    return {
      rng: rngField(
        () => this.rng,
        (rng) => {
          this.rng = rng;
        },
      ),
      lastAction: layerField(
        () => this.lastAction,
        (v, at) => checkInteger(v, at, 0, 5),
        (v) => {
          this.lastAction = v;
        },
      ),
    };
  }

  private resetGame(): void {
    this.ballY = 3;
    if (this.rng.integer(2) === 0) {
      this.ballX = 0;
      this.ballDir = 2;
    } else {
      this.ballX = N - 1;
      this.ballDir = 3;
    }
    this.pos = 4;
    this.brick.fill(0);
    this.fillBricks();
    this.strike = false;
    this.lastX = this.ballX;
    this.lastY = this.ballY;
    this.terminal = false;
  }

  private fillBricks(): void {
    this.brick.fill(1, 1 * N, 4 * N);
  }

  private brickCount(): number {
    let n = 0;
    for (let i = 0; i < N * N; i++) n += this.brick[i];
    return n;
  }
}

/** Factory used by the env registry: `MinAtar/Breakout` (-v0 full actions, -v1 minimal). */
export function makeMinAtarBreakout(options: MinAtarBreakoutOptions = {}): MinAtarBreakout {
  return new MinAtarBreakout(options);
}
