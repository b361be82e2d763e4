import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // s3rver's continuation tokens use DES, which OpenSSL 3 only offers with the legacy provider.
    execArgv: ['--openssl-legacy-provider'],
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
