import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MESSENGER_PATHS, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has the contract defaults and demo mode with no base URL', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', demo: true, baseUrls: {}, exposeVendorSecrets: false, maxPageSize: 100, maxListArgument: 100, corsOrigins: ['*'] });
    expect(config.upstreams.iwerp.timeoutMs).toBe(10_000);
    expect(config.messengerPaths).toEqual(DEFAULT_MESSENGER_PATHS);
    expect(config.metricsPhaseHistograms).toBe(false);
    expect(loadConfig({ METRICS_PHASE_HISTOGRAMS: 'true' }).metricsPhaseHistograms).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('listens on loopback in demo mode, on every interface otherwise, unless HOST says', () => {
    // A new user's pass: the demo, which takes any credential and has GraphiQL and writes, was
    // reachable from the network of a developer's laptop.
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ IWERP_BASE_URL: 'https://acme.iw-erp.de' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('drains 5 s on SIGTERM, except in demo mode, which has no load balancer to wait for', () => {
    expect(loadConfig({ IWERP_BASE_URL: 'https://acme.iw-erp.de' })).toMatchObject({ shutdownDrainDelayMs: 5000, shutdownGraceMs: 10_000 });
    expect(loadConfig({}).shutdownDrainDelayMs).toBe(0);
    expect(loadConfig({ SHUTDOWN_DRAIN_DELAY_MS: '250' }).shutdownDrainDelayMs).toBe(250);
  });

  it('uses only the vendors configured', () => {
    const config = loadConfig({ POPSELL_BASE_URL: 'https://domain.tld/api/v2', IWERP_BUILD_ID: 'b1' });
    expect(config.demo).toBe(false);
    expect(Object.keys(config.baseUrls)).toEqual(['popsell']);
    expect(config.iwerp.buildId).toBe('b1');
  });

  it('takes a vendor\'s own policy setting over the global one', () => {
    const config = loadConfig({ UPSTREAM_TIMEOUT_MS: '3000', POPSELL_TIMEOUT_MS: '800', MESSENGER_RETRIES: '0' });
    expect([config.upstreams.iwerp.timeoutMs, config.upstreams.popsell.timeoutMs, config.upstreams.messenger.timeoutMs]).toEqual([3000, 800, 3000]);
    expect([config.upstreams.iwerp.maxRetries, config.upstreams.messenger.maxRetries]).toEqual([2, 0]);
  });

  it('reads the cache, Redis and tracing settings', () => {
    const config = loadConfig({ CACHE_TTL_MS: '5000', REDIS_URL: 'redis://:secret@cache:6379/0', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(config).toMatchObject({ cacheTtlMs: 5000, tracing: true });
    expect(config.redisUrl?.host).toBe('cache:6379');
    expect(loadConfig({}).tracing).toBe(false);
  });

  it('reads the persisted-operation settings: the client preset\'s manifest, keyed by bare sha256', () => {
    const manifest = fileURLToPath(new URL('../clients/gql/persisted-documents.json', import.meta.url));
    const config = loadConfig({ PERSISTED_DOCUMENTS_FILE: manifest, PERSISTED_DOCUMENTS_ONLY: 'true', APQ_TTL_MS: '60000' });
    expect(config).toMatchObject({ persistedDocumentsOnly: true, apqTtlMs: 60000, apqMaxEntries: 1000 });
    for (const [hash, document] of config.persistedDocuments ?? []) {
      expect(hash).toBe(createHash('sha256').update(document).digest('hex'));
    }
    expect(config.persistedDocuments?.size).toBeGreaterThan(0);
  });

  it('reads the real-time settings, with per-vendor overrides', () => {
    expect(loadConfig({}).live).toEqual({
      intervalMs: { IWERP: 2000, POPSELL: 2000, MESSENGER: 2000 },
      maxPollsPerSecond: { IWERP: 1000, POPSELL: 1000, MESSENGER: 1000 },
      // On the poll worker (the default), twice UPSTREAM_CONCURRENCY: its own pool, and answers waiting for this thread.
      maxPollsInFlight: { IWERP: 128, POPSELL: 128, MESSENGER: 128 },
      maxSubscriptions: 20_000,
      maxSubscriptionsPerCredential: 500,
    });
    expect(loadConfig({}).livePollWorker).toBe(true);
    // On this thread, polls leave a quarter of the queries' pool free.
    const onThisThread = loadConfig({ LIVE_POLL_WORKER: 'false', MESSENGER_CONCURRENCY: '8' });
    expect([onThisThread.livePollWorker, onThisThread.live.maxPollsInFlight]).toEqual([false, { IWERP: 48, POPSELL: 48, MESSENGER: 6 }]);
    const live = loadConfig({ LIVE_POLL_INTERVAL_MS: '500', IWERP_LIVE_POLL_INTERVAL_MS: '5000', POPSELL_LIVE_MAX_POLLS_PER_SECOND: '20' }).live;
    expect(live.intervalMs).toEqual({ IWERP: 5000, POPSELL: 500, MESSENGER: 500 });
    expect(live.maxPollsPerSecond).toEqual({ IWERP: 1000, POPSELL: 20, MESSENGER: 1000 });
  });

  it('accepts Messenger path templates with the right placeholders', () => {
    expect(loadConfig({ MESSENGER_PATH_MESSAGE: '/v2/rooms/{roomID}/messages' }).messengerPaths.message).toBe('/v2/rooms/{roomID}/messages');
  });

  it.each([
    ['PORT', '80a'],
    ['PORT', '70000'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
    ['UPSTREAM_TIMEOUT_MS', '1.5'],
    ['IWERP_BASE_URL', 'acme.iw-erp.de'],
    ['IWERP_BASE_URL', 'ftp://acme.iw-erp.de'],
    ['POPSELL_BASE_URL', 'https://user:pw@domain.tld'],
    ['MESSENGER_BASE_URL', 'https://m.test/?token=1'],
    ['EXPOSE_VENDOR_SECRETS', 'yes'],
    ['LOG_LEVEL', 'loud'],
    ['IWERP_RETRIES', '11'],
    ['REDIS_URL', 'http://cache:6379'],
    ['REDIS_URL', 'redis://cache:6379/abc'],
    ['LOG_PRETTY', 'very'],
    ['METRICS_PHASE_HISTOGRAMS', 'some'],
    ['LIVE_POLL_WORKER', 'maybe'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['CACHE_TTL_MS', '-1'],
    ['UPSTREAM_BREAKER_ERROR_PERCENT', '0'],
    ['MESSENGER_PATH_AVATAR', 'chatroom/{roomID}/avatar'],
    ['MESSENGER_PATH_AVATAR', '/chatroom/{id}/avatar'],
    ['MESSENGER_PATH_CHATROOMS', '/chatrooms?all=true'],
    ['CORS_ORIGINS', 'https://app.example/'],
    ['CORS_ORIGINS', 'https://a.example,app.example'],
    ['MAX_LIST_ARGUMENT', '0'],
    ['APQ_TTL_MS', '0'],
    ['PERSISTED_DOCUMENTS_FILE', '/nonexistent/persisted-documents.json'],
    ['PERSISTED_DOCUMENTS_FILE', fileURLToPath(new URL('../../package.json', import.meta.url))],
    ['PERSISTED_DOCUMENTS_FILE', fileURLToPath(new URL('../../schema/possibleTypes.json', import.meta.url))],
    ['PERSISTED_DOCUMENTS_ONLY', 'true'],
    ['LIVE_POLL_INTERVAL_MS', '50'],
    ['MESSENGER_LIVE_POLL_INTERVAL_MS', 'soon'],
    ['IWERP_LIVE_MAX_POLLS_PER_SECOND', '0'],
    ['LIVE_MAX_SUBSCRIPTIONS', '0'],
  ])('refuses %s=%j with an error naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
