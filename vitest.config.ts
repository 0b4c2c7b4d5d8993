import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // graphql 16 has no "exports" map: Vite would pick its ESM build for test files while Node
  // loads the CommonJS one for dependencies, and two copies of graphql refuse each other's types.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/system/**'],
    testTimeout: 20_000,
    // vitest leaves a core free, which on a 2-core machine ran the files one at a time: 265–281 s.
    // Most of the e2e files' time is waiting on timers, sockets and child processes: two at a time
    // took 176–179 s there, every file passing (two runs of the whole suite).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The soak test collects garbage before it measures memory.
    execArgv: ['--expose-gc'],
  },
});
