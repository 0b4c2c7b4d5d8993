import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:system`: the tests that need a system service (redis-server, chromium), each file in a module graph of its own. */
export default defineConfig({ ...base, test: { ...base.test, projects: undefined, include: ['test/system/**/*.test.ts'] } });
