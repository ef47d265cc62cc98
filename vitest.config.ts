import { defineConfig } from 'vitest/config';

// Lab tests make real namespaces, cgroups and sshd processes as root: one file at a time keeps
// them from competing for the 2 cores and for lab subnets.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
