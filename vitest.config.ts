import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The whole fault matrix runs apart (npm run test:faults); npm test keeps a slice of it.
    // The browser tests need Chromium (npm run test:browser).
    exclude: ['test/faults/**', 'test/browser/**', 'node_modules/**'],
    environment: 'node',
    // Workflow tests run hours of virtual time; CDK tests bundle Lambdas with esbuild. Neither waits on wall time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
});
