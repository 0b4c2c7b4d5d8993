import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Test files that replace a module (`vi.mock`): they need a module graph of their own, since a
 * module another file already loaded would stay unmocked. Every other file shares one: importing
 * the gateway's graph (graphql, yoga, Pothos…) afresh for each of 61 files was a fifth of the run.
 */
const tests = new URL('./test/', import.meta.url);
const mocking = readdirSync(tests, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts') && !file.startsWith('system/'))
  .filter((file) => /\bvi\.mock\(/.test(readFileSync(new URL(file, tests), 'utf8')))
  .map((file) => `test/${file}`);

export default defineConfig({
  // graphql 16 has no "exports" map: Vite would pick its ESM build for test files while Node
  // loads the CommonJS one for dependencies, and two copies of graphql refuse each other's types.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    testTimeout: 20_000,
    // Two files at a time: vitest's default (a core less than the machine has) ran them one by one
    // on these 2-core machines, 257 s where two at once take 155 s; most of a file's time is spent
    // waiting on sockets and timers, not on a core.
    maxWorkers: 2,
    // The soak test collects garbage before it measures memory.
    execArgv: ['--expose-gc'],
    projects: [
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ['test/system/**', ...mocking], isolate: false } },
      { extends: true, test: { name: 'mocking', include: mocking } },
    ],
  },
});
