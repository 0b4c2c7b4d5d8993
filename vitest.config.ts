import { createRequire } from 'node:module';
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
    // The soak test collects garbage before it measures memory.
    execArgv: ['--expose-gc'],
  },
});
