import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:system`: the tests that need a system service (redis-server, chromium), one file at
 * a time: several gateways, Redis servers and a browser at once would crowd two cores.
 */
export default defineConfig({ ...base, test: { ...base.test, include: ['test/system/**/*.test.ts'], exclude: [], maxWorkers: 1 } });
