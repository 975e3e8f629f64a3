import { describe, expect, it } from "vitest";
import { compileSchedule, MAX_SCHEDULE_LENGTH, ScheduleError } from "../../src/runner/schedule.js";

function refusal(spec: string, episodes = 100): string {
  try {
    compileSchedule(spec, "lrActor", episodes);
  } catch (err) {
    expect(err).toBeInstanceOf(ScheduleError);
    const msg = (err as Error).message;
    expect(msg).not.toContain("\n");
    return msg;
  }
  throw new Error(`"${spec}" was accepted`);
}

describe("schedule expressions in a locked-down mathjs", () => {
  it("refuses config, createUnit, import and evaluate with a message naming them", () => {
    expect(refusal('config({number: "BigNumber"}) + 1e-2')).toMatch(
      /^lrActor: .*function config\(\) is not allowed/,
    );
    expect(refusal('createUnit("foo") + 1e-2')).toMatch(/function createUnit\(\) is not allowed/);
    expect(refusal("import({episodes: 1}) + 1e-2")).toMatch(/function import\(\) is not allowed/);
    expect(refusal('evaluate("1e-2")')).toMatch(/function evaluate\(\) is not allowed/);
    expect(refusal('parse("1")')).toMatch(/function parse\(\) is not allowed/);
    expect(refusal('simplify("x")')).toMatch(/function simplify\(\) is not allowed/);
    expect(refusal("f(x) = x")).toMatch(/function definitions are not allowed/);
    expect(refusal("a = 1")).toMatch(/assignments are not allowed/);
    expect(refusal("1 cm")).toMatch(/unknown name "cm" \(variables available: episode, episodes\)/);
  });

  it("refuses ranges, matrices and very long expressions quickly", () => {
    const t0 = performance.now();
    expect(refusal("sum(1:1e8)")).toMatch(/is not allowed/);
    expect(refusal("1e-2 + 0 * (1:1e8)")).toMatch(/ranges \(a:b\) are not allowed/);
    expect(refusal("1e-2 + 0 * size(zeros(1e4, 1e4))[1]")).toMatch(/not allowed/);
    expect(refusal("[1e-2, 1][1]")).toMatch(/not allowed/);
    expect(refusal("1e-2" + " + 0".repeat(MAX_SCHEDULE_LENGTH))).toMatch(/characters long; at most 500/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("checks every value: a schedule negative at the midpoint stops with the field, episode and value", () => {
    // Positive at the first and last episode, negative between 40 and 60.
    const f = compileSchedule("1e-2 * (episode < 40 or episode > 60 ? 1 : -1)", "lrCritic", 100);
    expect(f(0)).toBe(1e-2);
    expect(f(39)).toBe(1e-2);
    expect(() => f(50)).toThrow(ScheduleError);
    expect(() => f(50)).toThrow(/^lrCritic: ".*" must give a finite number > 0, got -0\.01 at episode 50$/);
    expect(() => compileSchedule("1e-2 / abs(episode - 50)", "lrActor", 100)(50)).toThrow(
      /lrActor: .* got Infinity at episode 50/,
    );
    expect(() => compileSchedule("episode == 30 ? 0 / 0 : 1e-2", "lrActor", 100)(30)).toThrow(
      /got NaN at episode 30/,
    );
  });

  it("keeps the schedules that are allowed working", () => {
    expect(compileSchedule("1e-2 * 0.5^(episode / 100)", "lrActor", 1000)(100)).toBeCloseTo(5e-3, 15);
    expect(compileSchedule("max(1e-4, 1e-2 * (1 - episode / episodes))", "lrActor", 100)(100)).toBe(1e-4);
    expect(
      compileSchedule("1e-3 + 0.5 * 1e-2 * (1 + cos(pi * episode / episodes))", "lrActor", 100)(0),
    ).toBeCloseTo(1.1e-2, 15);
  });

  it("one compiled schedule cannot change what another evaluates to", () => {
    const a = compileSchedule("1e-2 * 0.99^episode", "lrActor", 100);
    const before = [0, 1, 50, 99].map(a);
    for (const attack of [
      'config({number: "BigNumber", precision: 2})',
      "import({pow: f}, {override: true})",
      'createUnit("episode")',
      "episode = 0",
      "pow(x, y) = 1",
      "e = 1",
    ]) {
      expect(() => compileSchedule(attack, "lrCritic", 100)).toThrow(ScheduleError);
    }
    expect([0, 1, 50, 99].map(a)).toEqual(before);
    expect(compileSchedule("1e-2 * 0.99^episode", "lrCritic", 100)(50)).toBe(before[2]);
  });
});
