import { defineConfig } from 'vitest/config';

/**
 * The browser tests (`npm run test:browser`): the rollout pages in headless Chromium (Debian's `chromium`, or
 * CHROMIUM_PATH). Apart from `npm test`, so that the README's commands need no browser.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
});
