import { defineConfig } from "vitest/config";

// `npm run test:chaos`: the crash, fault, race and canary suites. Slow on purpose (hundreds of child processes), so
// kept out of the plain `npm test` run; `.ci/run` runs both.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/chaos/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts", "test/chaos/lib/build.ts"],
    pool: "forks",
    // The suites run their trials concurrently inside one worker; several workers would only fight for 2 cores.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
