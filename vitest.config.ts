import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // One file per server family; each starts its servers once per run on free loopback ports and stops them.
    globalSetup: [
      'tests/helpers/global-setup.ts',
      'tests/helpers/global-setup-kafka.ts',
      'tests/helpers/global-setup-mongo.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
