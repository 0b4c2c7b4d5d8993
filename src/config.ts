/**
 * The only reader of process.env. loadConfig turns the environment into one frozen, typed Config;
 * a bad value stops start-up with one line naming the variable (ConfigError).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { templatePlaceholders } from './http/path.js';
import type { LiveSettings } from './live/registry.js';
import { PROVIDER_KEYS, PROVIDERS, providerKey, type ProviderKey } from './model/provider.js';

export class ConfigError extends Error {}

/** The Messenger paths (the rendered document lost them; CONTRACT.md fixes these defaults). */
export interface MessengerPaths {
  /** GET, with organization_id and event_id in the query. */
  eventChatroom: string;
  /** GET, with organization_id, limit, offset or all in the query. */
  chatrooms: string;
  /** GET, PUT and DELETE one chatroom. */
  chatroom: string;
  /** POST a new custom chatroom. */
  createChatroom: string;
  /** POST creates, DELETE removes an organization's default chatroom. */
  defaultChatroom: string;
  /** PUT the avatar's bytes; an empty body removes it. */
  avatar: string;
  /** POST `{"message": …}`. */
  message: string;
}

export const DEFAULT_MESSENGER_PATHS: MessengerPaths = {
  eventChatroom: '/chatroom',
  chatrooms: '/chatrooms',
  chatroom: '/chatroom/{roomID}',
  createChatroom: '/chatroom',
  defaultChatroom: '/chatroom/default/{organizationID}',
  avatar: '/chatroom/{roomID}/avatar',
  message: '/chatroom/{roomID}/message',
};

const MESSENGER_PATH_VARIABLES: Record<keyof MessengerPaths, { env: string; placeholders: string[] }> = {
  eventChatroom: { env: 'MESSENGER_PATH_EVENT_CHATROOM', placeholders: [] },
  chatrooms: { env: 'MESSENGER_PATH_CHATROOMS', placeholders: [] },
  chatroom: { env: 'MESSENGER_PATH_CHATROOM', placeholders: ['roomID'] },
  createChatroom: { env: 'MESSENGER_PATH_CREATE_CHATROOM', placeholders: [] },
  defaultChatroom: { env: 'MESSENGER_PATH_DEFAULT_CHATROOM', placeholders: ['organizationID'] },
  avatar: { env: 'MESSENGER_PATH_AVATAR', placeholders: ['roomID'] },
  message: { env: 'MESSENGER_PATH_MESSAGE', placeholders: ['roomID'] },
};

/**
 * How the gateway treats one vendor. Each setting has a global variable (`UPSTREAM_<NAME>`) and a
 * per-vendor override (`IWERP_<NAME>`, `POPSELL_<NAME>`, `MESSENGER_<NAME>`).
 */
export interface UpstreamPolicy {
  /** TIMEOUT_MS (default 10000): one deadline for the whole request, queueing and retries included. */
  timeoutMs: number;
  /** MAX_RESPONSE_BYTES (default 5 MiB): larger vendor responses are UPSTREAM_ERROR. */
  maxResponseBytes: number;
  /** CONNECTIONS (default 64): open keep-alive connections to the vendor at most. */
  connections: number;
  /** RETRIES (default 2): retries of a read after 429/502/503/504 or a reset, inside the deadline. */
  maxRetries: number;
  /** RETRY_DELAY_MS (default 50): the back-off ceiling of the first retry, doubled per retry; the wait is random below it (full jitter). */
  minRetryDelayMs: number;
  /** RETRY_MAX_DELAY_MS (default 1000): the largest back-off; a longer Retry-After is not waited for. */
  maxRetryDelayMs: number;
  /** CONCURRENCY (default 64, one per connection): requests in flight to the vendor at most; more wait in a queue. */
  concurrency: number;
  /** QUEUE (default 2048): requests waiting at most; beyond it a request fails at once (UPSTREAM_ERROR). */
  maxQueue: number;
  /** BREAKER_ERROR_PERCENT (default 50): the share of failed requests that opens the circuit. */
  breakerErrorPercent: number;
  /** BREAKER_VOLUME (default 10): requests in the 10 s window before the circuit may open. */
  breakerVolume: number;
  /** BREAKER_RESET_MS (default 5000): how long an open circuit fails fast before one probe request. */
  breakerResetMs: number;
  keepAliveTimeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  /** The configured vendor base URLs; in demo mode none, and the simulators fill them in. */
  baseUrls: Partial<Record<ProviderKey, URL>>;
  /** True when no *_BASE_URL is set: `npm start` then runs the simulators. */
  demo: boolean;
  /** DEMO_ACTIVITY_MS (default 3000; 0 = off): in demo mode, how often the simulators change their own data. */
  demoActivityMs: number;
  /** IWERP_BUILD_ID / IWERP_PACKAGE_ID: sent when the client sends no iw-build-id / iw-package-id. */
  iwerp: { buildId: string | undefined; packageId: string | undefined };
  messengerPaths: MessengerPaths;
  /** Per vendor: deadlines, retries, breaker and limits. */
  upstreams: Record<ProviderKey, UpstreamPolicy>;
  /** EXPOSE_VENDOR_SECRETS (default false): put the vendors' tokens and AI prompts in the schema. */
  exposeVendorSecrets: boolean;
  /** MAX_PAGE_SIZE (default 100): the largest `first` of a connection. */
  maxPageSize: number;
  /** MAX_LIST_ARGUMENT (default 100): the most IDs an operation's `chatrooms(ids:)` and `nodes(ids:)` take together, each a vendor call at worst. */
  maxListArgument: number;
  /** Refusals before any vendor call: query shape (GraphQL Armor) and request size. */
  limits: {
    /** MAX_DEPTH (default 12). */
    maxDepth: number;
    /** MAX_ALIASES (default 50). */
    maxAliases: number;
    /** MAX_TOKENS (default 3000). */
    maxTokens: number;
    /** MAX_DOCUMENT_LENGTH (default 32768): characters of a document, comments and whitespace included (they are no tokens). */
    maxDocumentLength: number;
    /** MAX_COST (default 10000, GraphQL Armor's units, which multiply a connection by its `first`: a 100-room page with a dozen fields costs ~5500, the 20-messages query 482). */
    maxCost: number;
    /** MAX_DIRECTIVES (default 20). */
    maxDirectives: number;
    /** MAX_FRAGMENTS (default 64): fragment definitions of a document; validating them costs their count squared. */
    maxFragments: number;
    /** MAX_REQUEST_BYTES (default 1 MiB): a JSON body, or a multipart text field. */
    maxRequestBytes: number;
    /** WS_MAX_OPERATIONS (default 200): operations open on one WebSocket at most, each until it has ended (its last answer sent), even once its client sent `complete`. */
    maxSocketOperations: number;
    /** WS_MAX_BUFFERED_BYTES (default 1 MiB): answers one WebSocket's client has not read yet, beyond what the kernel holds, when another is to be sent; past them the socket is cut. */
    maxSocketBufferedBytes: number;
    /** WS_MAX_BUFFERED_BYTES_TOTAL (default 64 MiB): answers handed to all WebSockets and not yet written; when one would take them past it, the sockets holding the most are cut first. */
    maxBufferedBytesAllSockets: number;
  };
  /** AVATAR_MAX_BYTES (default 5 MiB): larger uploads are BAD_USER_INPUT before any vendor call. */
  avatarMaxBytes: number;
  /** CACHE_TTL_MS (default 0 = off): how long a vendor read may be served again, to the same credential. */
  cacheTtlMs: number;
  /** CACHE_MAX_ENTRIES (default 10000): the in-memory cache's bound. */
  cacheMaxEntries: number;
  /** REDIS_URL: with CACHE_TTL_MS > 0, the cache lives in this Redis, shared by every instance; live polls are always shared through it (each pair polled by one instance). */
  redisUrl: URL | undefined;
  /** Real time: poll intervals, poll budgets and subscription limits (LIVE_*). */
  live: LiveSettings;
  /**
   * LIVE_POLL_WORKER (default true): polls read their vendors on a worker thread of their own
   * (src/live/pollWorker.ts), not on the thread that serves queries and delivers events.
   */
  livePollWorker: boolean;
  /**
   * CORS_ORIGINS (default `*`, any origin): the browser origins that may call, comma-separated
   * (`https://app.example,https://admin.example`). Any is safe as a default since no credential is
   * ambient (cookies are not used): a page can only send a credential it already holds.
   */
  corsOrigins: readonly string[];
  /** MAX_CONNECTIONS (default 25000): open connections (HTTP, SSE, WebSocket) at most; past it a new one is closed at once. */
  maxConnections: number;
  /** MAX_BODY_BYTES_IN_FLIGHT (default 64 MiB): bytes received of request bodies not yet whole, over every connection; past it the late ones are cut (503). */
  maxBodyBytesInFlight: number;
  /** HTTP_REQUEST_TIMEOUT_MS (default 30000): a request's headers and body must all have come within it, or its connection is closed (408). */
  requestTimeoutMs: number;
  /**
   * SHUTDOWN_DRAIN_DELAY_MS (default 5000; 0 in demo mode, which has no load balancer to wait for):
   * after SIGTERM, how long the gateway keeps serving while /readiness answers 503, before it stops
   * accepting. Set it to the time your load balancer takes to notice (its health-check interval
   * times its failure threshold).
   */
  shutdownDrainDelayMs: number;
  /** SHUTDOWN_GRACE_MS (default 10000): then, how long in-flight requests may finish; the process exits 0 at most 1 s later. */
  shutdownGraceMs: number;
  /** INTROSPECTION (default true): schema introspection, and suggestions ("Did you mean …?") in errors. */
  introspection: boolean;
  /** GRAPHIQL (default true): GraphiQL on GET /graphql for a browser. */
  graphiql: boolean;
  /** COMPILED_QUERIES (default true): queries run as graphql-jit compiles them (src/plugins/compiledQueries.ts); false runs them on graphql-js. */
  compiledQueries: boolean;
  /** APQ_TTL_MS (default 86400000, a day): how long a document registered by Automatic Persisted Queries is remembered. */
  apqTtlMs: number;
  /** APQ_MAX_ENTRIES (default 1000): documents the in-process APQ store keeps (least recently used go first); with REDIS_URL they live in Redis. */
  apqMaxEntries: number;
  /** PERSISTED_DOCUMENTS_FILE (default unset): trusted documents, sha256 hash → document, as codegen's client preset writes them. */
  persistedDocuments: ReadonlyMap<string, string> | undefined;
  /** PERSISTED_DOCUMENTS_ONLY (default false): refuse every document that is not in PERSISTED_DOCUMENTS_FILE. */
  persistedDocumentsOnly: boolean;
  /** LOG_LEVEL (default info). */
  logLevel: string;
  /** LOG_PRETTY (default unset: pretty when stdout is a terminal, JSON otherwise): true forces lines for humans, false JSON. */
  logPretty: boolean | undefined;
  /**
   * METRICS_PHASE_HISTOGRAMS (default false): also the per-phase histograms of every operation
   * (parse, validate, context, execute): four more observations per operation.
   */
  metricsPhaseHistograms: boolean;
  /** OTEL_EXPORTER_OTLP_ENDPOINT set: traces are exported over OTLP/HTTP (the exporter reads the OTEL_* variables). */
  tracing: boolean;
  /** OTEL_SERVICE_NAME (default chat-gateway): the service name on every span. */
  serviceName: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function readUrl(env: Env, name: string, protocols = ['http:', 'https:']): URL | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute ${protocols.join(' or ')} URL, got "${raw}".`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must be a ${protocols.join(' or ')} URL, got "${raw}".`);
  }
  // A vendor URL may carry no credential; Redis's password belongs in its URL.
  if (url.search || url.hash || (protocols.includes('http:') && (url.username || url.password))) {
    throw new ConfigError(`${name} must have no query, fragment or credentials.`);
  }
  return url;
}

/** REDIS_URL: a redis: or rediss: URL whose path, if any, is a database number (the client's rule). */
function readRedisUrl(env: Env): URL | undefined {
  const url = readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']);
  if (url && !/^\/?(\d+)?$/.test(url.pathname)) {
    throw new ConfigError(`REDIS_URL's path must be a database number, got "${url.pathname}".`);
  }
  return url;
}

/** Node timers hold at most 2³¹−1 ms; a longer one would fire at once. */
const MAX_MS = 2 ** 31 - 1;

function readInt(env: Env, name: string, fallback: number, min: number, max = name.endsWith('_MS') ? MAX_MS : Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return Number(raw);
}

function readBoolean(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return false;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}".`);
}

function readMessengerPaths(env: Env): MessengerPaths {
  const paths = { ...DEFAULT_MESSENGER_PATHS };
  for (const [key, { env: name, placeholders }] of Object.entries(MESSENGER_PATH_VARIABLES)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const found = templatePlaceholders(raw).sort().join(',');
    if (!raw.startsWith('/') || raw.includes('?') || raw.includes('#') || found !== placeholders.join(',')) {
      const want = placeholders.length ? `with ${placeholders.map((p) => `{${p}}`).join(', ')}` : 'with no placeholder';
      throw new ConfigError(`${name} must be a path starting with "/" ${want}, got "${raw}".`);
    }
    paths[key as keyof MessengerPaths] = raw;
  }
  return paths;
}

/** A policy setting: the vendor's own variable, else the global one, else the default. */
function readPolicy(env: Env, key: ProviderKey): UpstreamPolicy {
  const vendor = key.toUpperCase();
  const read = (name: string, fallback: number, min: number, max?: number) => {
    const own = `${vendor}_${name}`;
    return env[own]?.trim() ? readInt(env, own, fallback, min, max) : readInt(env, `UPSTREAM_${name}`, fallback, min, max);
  };
  return {
    timeoutMs: read('TIMEOUT_MS', 10_000, 1),
    maxResponseBytes: read('MAX_RESPONSE_BYTES', 5 * 1024 * 1024, 1),
    connections: read('CONNECTIONS', 64, 1),
    maxRetries: read('RETRIES', 2, 0, 10),
    minRetryDelayMs: read('RETRY_DELAY_MS', 50, 0),
    maxRetryDelayMs: read('RETRY_MAX_DELAY_MS', 1000, 0),
    concurrency: read('CONCURRENCY', 64, 1),
    maxQueue: read('QUEUE', 2048, 0),
    breakerErrorPercent: read('BREAKER_ERROR_PERCENT', 50, 1, 100),
    breakerVolume: read('BREAKER_VOLUME', 10, 1),
    breakerResetMs: read('BREAKER_RESET_MS', 5_000, 1),
    keepAliveTimeoutMs: 10_000,
  };
}

function readOrigins(env: Env): readonly string[] {
  const raw = env.CORS_ORIGINS?.trim() || '*';
  const origins = raw.split(',').map((origin) => origin.trim());
  for (const origin of origins) {
    let valid = origin === '*';
    try {
      valid ||= new URL(origin).origin === origin;
    } catch {
      // not a URL: refused below
    }
    if (!valid) throw new ConfigError(`CORS_ORIGINS must be * or comma-separated origins such as https://app.example, got "${origin}".`);
  }
  return Object.freeze(origins);
}

/**
 * PERSISTED_DOCUMENTS_FILE: a JSON object of sha256 hash → document, as codegen's client preset
 * writes it (`persistedDocuments: true`); keys in the map are bare hex. Each hash is checked against
 * its document, so a manifest hashed otherwise fails here rather than refusing every request later.
 */
function readPersistedDocuments(env: Env): ReadonlyMap<string, string> | undefined {
  const path = env.PERSISTED_DOCUMENTS_FILE?.trim();
  if (!path) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`PERSISTED_DOCUMENTS_FILE must be a readable JSON file, got "${path}" (${(error as Error).message}).`);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new ConfigError(`PERSISTED_DOCUMENTS_FILE must hold a JSON object of hash → document, got "${path}".`);
  }
  const documents = new Map<string, string>();
  for (const [key, document] of Object.entries(manifest)) {
    // The client preset writes keys as "sha256:<hex>" (GraphQL over HTTP's document identifiers).
    const hash = key.replace(/^sha256:/, '');
    if (typeof document !== 'string' || createHash('sha256').update(document).digest('hex') !== hash) {
      throw new ConfigError(`PERSISTED_DOCUMENTS_FILE: "${key}" is not the sha256 hash of its document (codegen: persistedDocuments: { hashAlgorithm: 'sha256' }).`);
    }
    documents.set(hash, document);
  }
  return documents;
}

/**
 * LIVE_POLL_INTERVAL_MS and LIVE_MAX_POLLS_PER_SECOND, each overridden per vendor
 * (IWERP_LIVE_POLL_INTERVAL_MS, POPSELL_LIVE_MAX_POLLS_PER_SECOND...). An interval under 100 ms
 * would be a load test on the vendor, not a chat UI's need.
 */
function readLive(env: Env, upstreams: Record<ProviderKey, UpstreamPolicy>, pollWorker: boolean): LiveSettings {
  const perVendor = (name: string, fallback: number, min: number) => {
    const all = readInt(env, `LIVE_${name}`, fallback, min);
    return Object.fromEntries(
      PROVIDERS.map((provider) => [provider, readInt(env, `${provider}_LIVE_${name}`, all, min)]),
    ) as LiveSettings['intervalMs'];
  };
  return {
    intervalMs: perVendor('POLL_INTERVAL_MS', 2000, 100),
    maxPollsPerSecond: perVendor('MAX_POLLS_PER_SECOND', 1000, 1),
    // On this thread, polls share the queries' pool. The poll worker has a pool of its own, which its
    // door keeps to UPSTREAM_CONCURRENCY; a poll counts here until its answer is read on this
    // thread, so as many again keep the vendor busy while answers wait for this thread's event loop.
    // (The price: a poll may wait in the worker's vendor queue for one vendor round, which spends
    // its deadline only with a vendor slower than half of UPSTREAM_TIMEOUT_MS.)
    maxPollsInFlight: Object.fromEntries(
      PROVIDERS.map((provider) => {
        const { concurrency } = upstreams[providerKey(provider)];
        return [provider, pollWorker ? concurrency * 2 : Math.max(1, Math.floor((concurrency * 3) / 4))];
      }),
    ) as LiveSettings['maxPollsInFlight'],
    maxSubscriptions: readInt(env, 'LIVE_MAX_SUBSCRIPTIONS', 20_000, 1),
    maxSubscriptionsPerCredential: readInt(env, 'LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL', 500, 1),
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const baseUrls: Partial<Record<ProviderKey, URL>> = {};
  const iwerp = readUrl(env, 'IWERP_BASE_URL');
  const popsell = readUrl(env, 'POPSELL_BASE_URL');
  const messenger = readUrl(env, 'MESSENGER_BASE_URL');
  if (iwerp) baseUrls.iwerp = iwerp;
  if (popsell) baseUrls.popsell = popsell;
  if (messenger) baseUrls.messenger = messenger;
  const logLevel = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}".`);
  }
  const persistedDocuments = readPersistedDocuments(env);
  const upstreams = Object.fromEntries(PROVIDER_KEYS.map((key) => [key, readPolicy(env, key)])) as Record<ProviderKey, UpstreamPolicy>;
  const persistedDocumentsOnly = readBoolean(env, 'PERSISTED_DOCUMENTS_ONLY');
  const livePollWorker = env.LIVE_POLL_WORKER?.trim() ? readBoolean(env, 'LIVE_POLL_WORKER') : true;
  if (persistedDocumentsOnly && !persistedDocuments) {
    throw new ConfigError('PERSISTED_DOCUMENTS_ONLY=true needs PERSISTED_DOCUMENTS_FILE: without it every document would be refused.');
  }
  const demo = Object.keys(baseUrls).length === 0;
  return Object.freeze({
    port: readInt(env, 'PORT', 4000, 0, 65535),
    // The demo takes any credential: reachable from this machine only, unless HOST says otherwise.
    host: env.HOST?.trim() || (demo ? '127.0.0.1' : '0.0.0.0'),
    baseUrls,
    demo,
    demoActivityMs: readInt(env, 'DEMO_ACTIVITY_MS', 3000, 0),
    iwerp: { buildId: env.IWERP_BUILD_ID?.trim() || undefined, packageId: env.IWERP_PACKAGE_ID?.trim() || undefined },
    messengerPaths: readMessengerPaths(env),
    upstreams,
    exposeVendorSecrets: readBoolean(env, 'EXPOSE_VENDOR_SECRETS'),
    maxPageSize: readInt(env, 'MAX_PAGE_SIZE', 100, 1, 1000),
    maxListArgument: readInt(env, 'MAX_LIST_ARGUMENT', 100, 1, 10_000),
    avatarMaxBytes: readInt(env, 'AVATAR_MAX_BYTES', 5 * 1024 * 1024, 1),
    maxConnections: readInt(env, 'MAX_CONNECTIONS', 25_000, 1),
    maxBodyBytesInFlight: readInt(env, 'MAX_BODY_BYTES_IN_FLIGHT', 64 * 1024 * 1024, 1),
    requestTimeoutMs: readInt(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1),
    shutdownDrainDelayMs: readInt(env, 'SHUTDOWN_DRAIN_DELAY_MS', demo ? 0 : 5000, 0),
    shutdownGraceMs: readInt(env, 'SHUTDOWN_GRACE_MS', 10_000, 0),
    corsOrigins: readOrigins(env),
    live: readLive(env, upstreams, livePollWorker),
    livePollWorker,
    cacheTtlMs: readInt(env, 'CACHE_TTL_MS', 0, 0),
    cacheMaxEntries: readInt(env, 'CACHE_MAX_ENTRIES', 10_000, 1),
    redisUrl: readRedisUrl(env),
    introspection: env.INTROSPECTION?.trim() ? readBoolean(env, 'INTROSPECTION') : true,
    graphiql: env.GRAPHIQL?.trim() ? readBoolean(env, 'GRAPHIQL') : true,
    compiledQueries: env.COMPILED_QUERIES?.trim() ? readBoolean(env, 'COMPILED_QUERIES') : true,
    apqTtlMs: readInt(env, 'APQ_TTL_MS', 86_400_000, 1),
    apqMaxEntries: readInt(env, 'APQ_MAX_ENTRIES', 1000, 1),
    persistedDocuments,
    persistedDocumentsOnly,
    limits: {
      maxDepth: readInt(env, 'MAX_DEPTH', 12, 1),
      maxAliases: readInt(env, 'MAX_ALIASES', 50, 0),
      maxTokens: readInt(env, 'MAX_TOKENS', 3000, 1),
      maxDocumentLength: readInt(env, 'MAX_DOCUMENT_LENGTH', 32_768, 1),
      maxCost: readInt(env, 'MAX_COST', 10_000, 1),
      maxDirectives: readInt(env, 'MAX_DIRECTIVES', 20, 0),
      maxFragments: readInt(env, 'MAX_FRAGMENTS', 64, 0),
      maxRequestBytes: readInt(env, 'MAX_REQUEST_BYTES', 1024 * 1024, 1),
      maxSocketOperations: readInt(env, 'WS_MAX_OPERATIONS', 200, 1),
      maxSocketBufferedBytes: readInt(env, 'WS_MAX_BUFFERED_BYTES', 1024 * 1024, 1),
      maxBufferedBytesAllSockets: readInt(env, 'WS_MAX_BUFFERED_BYTES_TOTAL', 64 * 1024 * 1024, 1),
    },
    logLevel,
    logPretty: env.LOG_PRETTY?.trim() ? readBoolean(env, 'LOG_PRETTY') : undefined,
    metricsPhaseHistograms: readBoolean(env, 'METRICS_PHASE_HISTOGRAMS'),
    tracing: readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'chat-gateway',
  });
}
