import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests that compile Stan models take a minute or more of g++ time each.
    testTimeout: 20 * 60 * 1000,
    hookTimeout: 20 * 60 * 1000,
    // Two cores: CmdStan compiles and samplers already use them; parallel test files only thrash.
    fileParallelism: false,
    reporters: ["default"],
  },
});
