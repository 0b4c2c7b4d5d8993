import { loadConfig } from '../../src/config.js';

/** The settings a test runs with: the defaults, plus what the test overrides. */
export const testConfig = (env: Record<string, string> = {}) => loadConfig({ UPSTREAM_RETRY_DELAY_MS: '1', ...env });

export const VENDOR_URLS = {
  iwerp: new URL('https://acme.iw-erp.test'),
  popsell: new URL('https://domain.test/api/v2'),
  messenger: new URL('https://messenger.test'),
};
