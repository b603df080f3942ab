import { defineConfig } from 'vitest/config';

/**
 * The whole fault matrix (`npm run test:faults`, which `.ci/run` runs): every AWS operation × every fault × every
 * kind of release, through the simulator. `npm test` runs a slice of it (test/workflow/fault-matrix-slice.test.ts).
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
});
