import { describe, expect, it } from "vitest";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid, Discretizer } from "../../src/parametrizations/discretizer.js";
import { GridLowRank } from "../../src/parametrizations/grid-low-rank.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { Rng } from "../../src/random/rng.js";
import { TdAgent } from "../../src/valuelearning/agent.js";
import { AngleFeatures } from "../../src/valuelearning/angle-features.js";
import { CellActionLowRank } from "../../src/valuelearning/cell-action-low-rank.js";
import { oneMatchesBatch, parametrizationGradError } from "../parametrizations/grad-check.js";
import { TableQ } from "./fixtures.js";

const GRID = () =>
  new Discretizer({ low: [-1, -2, 0], high: [1, 2, 3], buckets: [3, 4, 2], rowDims: [0, 2], colDims: [1] });

function randomStates(T: number, rng: Rng): Float64Array {
  const s = new Float64Array(T * 3);
  for (let t = 0; t < T; t++) {
    s[3 * t] = rng.uniformRange(-1.2, 1.2);
    s[3 * t + 1] = rng.uniformRange(-2.5, 2.5);
    s[3 * t + 2] = rng.uniformRange(-0.5, 3.5);
  }
  return s;
}

/** Worst relative error of ∇_θ ½(Q(s, a) − y)² from the agent against central differences. */
function tdLossGradError(q: Parametrization, state: Float64Array, action: number, y: number): number {
  const agent = new TdAgent({ q, rule: "q-learning", gamma: 0.9, lr: 0.1, optimizer: "sgd" });
  const loss = () => 0.5 * (agent.values(state)[action] - y) ** 2;
  for (const p of q.parameters) p.grad.fill(0);
  const l0 = agent.accumulateTdGradient(state, 0, action, y);
  expect(l0).toBeCloseTo(loss(), 14);
  let worst = 0;
  const eps = 1e-6;
  for (const p of q.parameters) {
    for (let i = 0; i < p.data.length; i++) {
      const v = p.data[i];
      p.data[i] = v + eps;
      const up = loss();
      p.data[i] = v - eps;
      const down = loss();
      p.data[i] = v;
      const numeric = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(p.grad[i] - numeric) / (1 + Math.abs(numeric)));
    }
  }
  return worst;
}

describe("low-rank Q gradients (finite differences)", () => {
  it("matrix over (state cell) × (action): z = Q(s, ·) and its backward", () => {
    const rng = new Rng(1);
    const q = new CellActionLowRank(GRID(), 3, 2);
    q.initRandom(rng, 0.5);
    expect(q.parameterCount).toBe(2 * (3 * 4 * 2 + 3));
    const states = randomStates(7, rng);
    expect(parametrizationGradError(q, states, 7, 2)).toBeLessThan(1e-8);
    expect(oneMatchesBatch(q, states, 7)).toBe(true);
  });

  it("the squared TD error through the matrix Q and through the grid matrix with the action in the column", () => {
    const rng = new Rng(2);
    const cell = new CellActionLowRank(GRID(), 3, 2);
    cell.initRandom(rng, 0.7);
    const grid = new GridLowRank(GRID(), 2, "q", 3);
    rng.fillNormal(grid.matrix.L.data, 0, 0.7);
    rng.fillNormal(grid.matrix.R.data, 0, 0.7);
    for (const q of [cell, grid]) {
      for (let trial = 0; trial < 4; trial++) {
        const s = randomStates(1, rng);
        const err = tdLossGradError(q, s, trial % 3, rng.normal() * 2);
        expect(err).toBeLessThan(1e-8);
      }
    }
  });

  it("CP tensor with an action mode: z = Q(s, ·), its backward and the squared TD error", () => {
    const rng = new Rng(3);
    const q = new CpGrid({
      grid: new AxisGrid({ low: [-1, -2, 0], high: [1, 2, 3], buckets: [3, 4, 2] }),
      rank: 3,
      outputs: 4,
      name: "q",
    });
    q.initNormal(rng, 0.8);
    expect(q.parameterCount).toBe(3 * (3 + 4 + 2 + 4));
    const states = randomStates(6, rng);
    expect(parametrizationGradError(q, states, 6, 4)).toBeLessThan(1e-8);
    expect(oneMatchesBatch(q, states, 6)).toBe(true);
    for (let trial = 0; trial < 4; trial++)
      expect(tdLossGradError(q, randomStates(1, rng), trial, rng.normal() * 2)).toBeLessThan(1e-8);
  });

  it("angles read from (cos θ, sin θ) pairs: the grid sees (θ, rest), gradients pass through", () => {
    const rng = new Rng(4);
    const inner = new CellActionLowRank(
      new Discretizer({
        low: [-Math.PI, -2],
        high: [Math.PI, 2],
        buckets: [9, 5],
        rowDims: [0],
        colDims: [1],
      }),
      3,
      2,
    );
    inner.initRandom(rng, 0.6);
    const q = new AngleFeatures(inner, 3, [[0, 1]]);
    const z = new Float64Array(3);
    const zi = new Float64Array(3);
    q.forwardOne([Math.cos(2), Math.sin(2), 1.5], z);
    inner.forwardOne([2, 1.5], zi);
    expect(Array.from(z)).toEqual(Array.from(zi));
    const states = new Float64Array(15);
    for (let t = 0; t < 5; t++) {
      const th = rng.uniformRange(-Math.PI, Math.PI);
      states.set([Math.cos(th), Math.sin(th), rng.uniformRange(-2, 2)], 3 * t);
    }
    expect(parametrizationGradError(q, states, 5, 5)).toBeLessThan(1e-8);
    expect(oneMatchesBatch(q, states, 5)).toBe(true);
    expect(() => new AngleFeatures(inner, 3, [[0, 0]])).toThrow(/distinct integers in \[0, 2\]/);
  });

  it("one SGD step on a table is the tabular update Q(s, a) ← Q(s, a) + α·δ", () => {
    const q = new TableQ(2, 2, [1, 2, 3, 4]);
    const agent = new TdAgent({ q, rule: "q-learning", gamma: 0.9, lr: 0.25, optimizer: "sgd" });
    const loss = agent.tdStep(Float64Array.of(1), 0, 0, 7); // Q(1, 0) = 3, δ = 4
    expect(loss).toBe(0.5 * 16);
    expect(Array.from(q.W.data)).toEqual([1, 2, 3 + 0.25 * 4, 4]);
    expect(Array.from(q.W.grad)).toEqual([0, 0, 0, 0]); // zeroed after the step
  });
});
