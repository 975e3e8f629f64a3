import { describe, expect, it } from "vitest";
import { TransitionBuffer, checkTransitionBatch } from "../../src/pg/batch-update.js";

describe("TransitionBuffer", () => {
  it("collects episodes past its initial capacity and validates as a batch", () => {
    const b = new TransitionBuffer(2, 1);
    for (let e = 0; e < 10; e++) {
      for (let t = 0; t < 3; t++) b.push([e, t], t, -t, -1 - t);
      b.endEpisode(e % 2 === 0, [e, 99]);
    }
    expect(b.length).toBe(30);
    expect(b.episodeCount).toBe(10);
    expect(Array.from(b.episodeEnds.subarray(0, 3))).toEqual([3, 6, 9]);
    expect(Array.from(b.terminated.subarray(0, 4))).toEqual([1, 0, 1, 0]);
    expect(Array.from(b.states.subarray(2 * 28, 2 * 30))).toEqual([9, 1, 9, 2]);
    expect(Array.from(b.finalStates.subarray(2, 4))).toEqual([1, 99]);
    expect(b.logProbs?.[4]).toBe(-2);
    expect(() => checkTransitionBatch(b, "test")).not.toThrow();
    b.clear();
    b.push([0, 0], 0, 0);
    expect(b.logProbs).toBeNull();
    expect(() => b.endEpisode(false)).toThrow(/final state/);
  });

  it("rejects inconsistent batches with one line naming the field", () => {
    const b = new TransitionBuffer(1);
    b.push([0], 0, 0, 0);
    b.push([0], 0, 0, 0);
    b.endEpisode(true);
    expect(() => checkTransitionBatch({ ...b, logProbs: null, states: new Float64Array(1) }, "rule")).toThrow(
      /states must hold >= 2 numbers/,
    );
    const ends = Int32Array.of(1);
    expect(() => checkTransitionBatch({ ...b, logProbs: null, episodeEnds: ends }, "rule")).toThrow(
      /episodeEnds\[0\] must equal length 2/,
    );
  });
});
