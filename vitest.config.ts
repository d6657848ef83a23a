import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    setupFiles: ['tests/helpers/setup-file.ts'],
    // Two projects so that a run of unit tests alone starts no server: vitest calls a project's global setup only
    // when at least one of its files is queued.
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          // One file per server family; each starts its servers once per run on free loopback ports and stops them.
          globalSetup: [
            'tests/helpers/global-setup.ts',
            'tests/helpers/global-setup-kafka.ts',
            'tests/helpers/global-setup-mongo.ts',
            'tests/helpers/global-setup-elasticsearch.ts',
          ],
        },
      },
    ],
  },
});
