import { defineConfig } from "vitest/config";

/**
 * `npm run test:e2e`: the tests that drive a system service. Each starts what it needs itself
 * (headless Debian Chromium through playwright-core); `.ci/run` installs the packages.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // one temp folder per test run, removed at its end (test/temp-root.ts)
    globalSetup: ["test/temp-root.ts"],
  },
});
