import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:system`: the tests that need a system service (redis-server, chromium). */
export default defineConfig({ ...base, test: { ...base.test, include: ['test/system/**/*.test.ts'], exclude: [] } });
