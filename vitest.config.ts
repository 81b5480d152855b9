import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Forks inherit NODE_EXTRA_CA_CERTS set by the global setup, so every TLS client trusts the test CA.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
