import { defineConfig } from "vitest/config";

/**
 * `npm test`: everything that needs nothing but Node. Tests that drive a system service
 * (headless Chromium) are named `*.e2e.test.ts` and run by `npm run test:e2e` (vitest.e2e.config.ts).
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.e2e.test.ts", "**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // one temp folder per test run, removed at its end (test/temp-root.ts)
    globalSetup: ["test/temp-root.ts"],
  },
});
