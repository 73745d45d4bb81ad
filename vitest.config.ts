import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Argon2 and SQLite are CPU-bound; two cores, two workers.
    maxWorkers: 2,
  },
})
