import { loadConfig } from '../../src/config.js';
import type { LiveSettings } from '../../src/live/registry.js';

/** The settings a test runs with: the defaults, plus what the test overrides. */
export const testConfig = (env: Record<string, string> = {}) => loadConfig({ UPSTREAM_RETRY_DELAY_MS: '1', ...env });

export const VENDOR_URLS = {
  iwerp: new URL('https://acme.iw-erp.test'),
  popsell: new URL('https://domain.test/api/v2'),
  messenger: new URL('https://messenger.test'),
};

/** A live registry's settings for tests of its coordination: every vendor polled every `intervalMs`, with room to spare. */
export const liveSettings = (intervalMs: number): LiveSettings => ({
  intervalMs: { IWERP: intervalMs, POPSELL: intervalMs, MESSENGER: intervalMs },
  maxPollsPerSecond: { IWERP: 100, POPSELL: 100, MESSENGER: 100 },
  maxPollsInFlight: { IWERP: 8, POPSELL: 8, MESSENGER: 8 },
  maxSubscriptions: 100,
  maxSubscriptionsPerCredential: 100,
});
