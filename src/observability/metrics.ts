/**
 * Prometheus metrics, served at GET /metrics by yoga's Prometheus plugin: the plugin's GraphQL
 * operation metrics, plus what a gateway operator needs about vendors and error codes.
 */
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveHooks, LiveRegistry } from '../live/registry.js';
import { PROVIDERS, type Provider } from '../model/provider.js';
import type { CompileOutcome } from '../plugins/compiledQueries.js';
import type { BreakerState, VendorMetrics } from './vendorMetrics.js';

const BREAKER_STATES: BreakerState[] = ['closed', 'half-open', 'open'];

/** What createMetrics records beyond its defaults. */
export interface MetricsOptions {
  /** The per-phase histograms of every operation (parse, validate, context, execute); default false. */
  phaseHistograms?: boolean;
}

export function createMetrics(options: MetricsOptions = {}) {
  const phases = options.phaseHistograms ?? false;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gateway_' });
  const labelNames = ['provider', 'method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'gateway_vendor_requests_total', help: 'Vendor requests, by provider, route template and status (or error code).', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'gateway_vendor_request_duration_seconds',
    help: 'Vendor request duration, retries included, by provider, route template and status.',
    labelNames,
    // From a fast loopback answer to the default 10 s deadline.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retries = new Counter({ name: 'gateway_vendor_retries_total', help: 'Retries of vendor reads, by provider and route template.', labelNames: ['provider', 'method', 'route'], registers: [registry] });
  const refusedConnections = new Counter({ name: 'gateway_connections_refused_total', help: 'Connections closed on arrival because MAX_CONNECTIONS were open.', registers: [registry] });
  const compilations = new Counter({
    name: 'gateway_query_compilations_total',
    help: 'Queries due to be compiled (COMPILED_QUERIES), by outcome: compiled, over_budget (left on yoga\'s executor this time), failed.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const errors = new Counter({ name: 'gateway_graphql_errors_total', help: 'Errors in GraphQL responses, by extensions.code.', labelNames: ['code'], registers: [registry] });
  const breakerSources = new Map<Provider, () => BreakerState>();
  new Gauge({
    name: 'gateway_vendor_breaker_state',
    help: "Each vendor's circuit breaker: 1 for its current state (closed, half-open, open).",
    labelNames: ['provider', 'state'],
    registers: [registry],
    collect() {
      for (const provider of PROVIDERS) {
        const current = breakerSources.get(provider)?.();
        if (!current) continue;
        for (const state of BREAKER_STATES) this.set({ provider, state }, state === current ? 1 : 0);
      }
    },
  });

  const livePolls = new Counter({
    name: 'gateway_live_polls_total',
    help: 'Polls of watched (resource, credential scope) pairs, by provider and outcome (changed, unchanged, error).',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const liveQueryRuns = new Counter({
    name: 'gateway_live_query_runs_total',
    help: 'Runs of @live queries: the first of each, and one again after what it read changed (changes that come during a run make one more run).',
    registers: [registry],
  });
  const deliveryLag = new Histogram({
    name: 'gateway_live_delivery_lag_seconds',
    help: 'From the poll that saw a state to its event reaching the subscriber, by provider; a slow consumer waits here.',
    labelNames: ['provider'],
    // From an event taken at once to one that waited a few intervals (LIVE_POLL_INTERVAL_MS 2000).
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  /** What the live gauges read from the registry. */
  type LiveView = Pick<LiveRegistry, 'stats' | 'pollsPaused'>;
  let liveRegistry: LiveView | undefined;
  const liveGauge = (name: string, help: string, pick: (registry: LiveView) => Record<Provider, number>) =>
    new Gauge({
      name,
      help,
      labelNames: ['provider'],
      registers: [registry],
      collect() {
        if (!liveRegistry) return;
        const counts = pick(liveRegistry);
        for (const provider of PROVIDERS) this.set({ provider }, counts[provider]);
      },
    });
  liveGauge('gateway_live_subscriptions', 'Open subscribers (subscriptions and @live watches), by provider.', (r) => r.stats().subscribers);
  liveGauge('gateway_live_watched_pairs', 'Watched (resource, credential scope) pairs being polled, by provider.', (r) => r.stats().watchedPairs);
  liveGauge('gateway_live_polls_paused', "1 while an open breaker (the query door's or the poll worker's) holds the vendor's polls, or would if any were watched; else 0.", (r) =>
    Object.fromEntries(PROVIDERS.map((provider) => [provider, r.pollsPaused(provider) ? 1 : 0])) as Record<Provider, number>,
  );

  let unsentWebSocketBytes: (() => number) | undefined;
  new Gauge({
    name: 'gateway_websocket_unsent_bytes',
    help: 'Answers handed to WebSockets that ws has not yet reported written, over all sockets (past WS_MAX_BUFFERED_BYTES_TOTAL the sockets holding the most are cut).',
    registers: [registry],
    collect() {
      if (unsentWebSocketBytes) this.set(unsentWebSocketBytes());
    },
  });

  /** What the live registry reports. */
  const live: LiveHooks = {
    polled(provider, outcome) {
      livePolls.inc({ provider, outcome });
    },
    delivered(provider, observedAt) {
      deliveryLag.observe({ provider }, Math.max(0, Date.now() - observedAt.getTime()) / 1000);
    },
  };

  const vendor: VendorMetrics = {
    observe(provider, method, route, status, seconds) {
      requests.inc({ provider, method, route, status });
      duration.observe({ provider, method, route, status }, seconds);
    },
    retried(provider, method, route) {
      retries.inc({ provider, method, route });
    },
  };

  const countErrors = (found: readonly { extensions?: Record<string, unknown> | undefined }[] | undefined) => {
    for (const error of found ?? []) errors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
  };
  /** Counts the codes of the errors in every GraphQL result over HTTP (the WebSocket adapter counts its own). */
  const errorCodes: Plugin = {
    onResultProcess({ result }) {
      if (Array.isArray(result) || !('errors' in result)) return;
      countErrors(result.errors);
    },
  };

  return {
    registry,
    vendor,
    live,
    connectionRefused: () => refusedConnections.inc(),
    compilation: (outcome: CompileOutcome) => compilations.inc({ outcome }),
    liveQueryRun: () => liveQueryRuns.inc(),
    /** Lets the live gauges read the registry when scraped. */
    watchLive(live: LiveView) {
      liveRegistry = live;
    },
    /** Counts the errors of a result or refusal sent over a WebSocket, by code. */
    graphqlErrors: countErrors,
    /** Lets the WebSocket gauge read the bytes its sockets have not sent yet. */
    watchWebSockets(unsent: () => number) {
      unsentWebSocketBytes = unsent;
    },
    /** Lets the breaker gauge read each configured vendor's state when scraped. */
    watchBreaker(provider: Provider, state: () => BreakerState) {
      breakerSources.set(provider, state);
    },
    plugins: (): Plugin[] => [
      usePrometheus({
        registry,
        endpoint: '/metrics',
        // No label a client chooses: an operation's name, an error's path (its aliases) and the
        // URL (its query string, its Host) made a series each for as long as the process lived. An
        // attacker's 20,000 requests of padded URLs took RSS from 129 to 2,046 MiB, and /metrics
        // broke, then the heap. The operation's type, the phase and the HTTP method and status remain.
        labels: { operationName: false, path: false, url: false },
        metrics: {
          // Off, each measured in the benchmark's profile: counting deprecated fields walks every
          // document with a TypeInfo (~4 % of the gateway's CPU) and the schema has none; the
          // summary recomputes quantiles per observation and repeats the request histogram; a
          // subscription's subscribe phase is only its registration (gateway_live_* measure the rest).
          graphql_envelop_deprecated_field: false,
          graphql_envelop_request_time_summary: false,
          graphql_envelop_phase_subscribe: false,
          // Queries and mutations only: a subscription's duration is its lifetime, no latency, and
          // hooking its stream held memory for as long as it lived (subscriptionExecutor.ts has the
          // figures). gateway_live_* count subscriptions and their polls, gateway_graphql_errors_total
          // their refusals.
          graphql_envelop_request: ['execute'],
          graphql_envelop_request_duration: ['execute'],
          graphql_envelop_error_result: ['parse', 'validate', 'context', 'execute'],
          // Off unless asked for (METRICS_PHASE_HISTOGRAMS): four more histogram observations per
          // operation, several per cent of its CPU under distinct callers (docs/operations.md),
          // mostly repeating what the request and vendor histograms already tell.
          graphql_envelop_phase_parse: phases,
          graphql_envelop_phase_validate: phases,
          graphql_envelop_phase_context: phases,
          graphql_envelop_phase_execute: phases,
        },
      }),
      errorCodes,
    ],
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
