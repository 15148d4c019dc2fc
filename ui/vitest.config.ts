// Two test projects: `unit` (pure TypeScript logic, src/**/*.test.ts) and `browser` (e2e/*.e2e.ts:
// the real `sextant standalone` binary serving the built UI, driven in Debian's Chromium through
// playwright-core). The browser files run one at a time: each starts its own server.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
