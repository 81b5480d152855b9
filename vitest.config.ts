import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Minutes of child processes and seeded trials: `npm run test:chaos` (its own config), which .ci/run also runs.
    exclude: [...configDefaults.exclude, "test/chaos/**"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Forks inherit NODE_EXTRA_CA_CERTS set by the global setup, so every TLS client trusts the test CA.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
