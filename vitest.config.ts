import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/ci-guard.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Namespace tests create and delete kernel objects; run files one at a time
    // on the 2-core CI machine so timings stay predictable.
    fileParallelism: false,
  },
});
