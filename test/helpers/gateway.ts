import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { DEMO_HEADERS, assembleGateway, createHttpServer, serveWebSocket } from '../../src/gateway.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { testConfig } from './config.js';

export interface GraphQLResponse {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; provider?: string } }[];
}

/**
 * The real thing on loopback: the three simulators, the gateway on an HTTP port, and a client
 * that posts GraphQL with the demo credentials unless told otherwise. `calls()` counts what each
 * vendor received since the last `resetCalls()`.
 */
export interface GatewayOptions {
  env?: Record<string, string>;
  latencyMs?: number;
  /** Where log lines go (default: none, unless TEST_LOG_LEVEL is set). */
  logs?: { level: string; destination: DestinationStream };
  /** Vendors another gateway already uses (then this one does not close them). */
  simulators?: Simulators;
}

export async function startGateway(options: GatewayOptions = {}) {
  const simulators = options.simulators ?? (await startSimulators({ record: true, ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}) }));
  const config = testConfig(options.env);
  const logger = options.logs
    ? createLogger(options.logs.level, options.logs.destination)
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const metrics = createMetrics();
  const lifecycle = { draining: false };
  const { upstreams, live, gateway: yoga } = assembleGateway(
    { ...config, demo: true },
    { iwerp: simulators.iwerp.baseUrl, popsell: simulators.popsell.baseUrl, messenger: simulators.messenger.baseUrl },
    { logger, metrics, lifecycle },
  );
  const server = createHttpServer(config, yoga, logger);
  const closeWebSockets = serveWebSocket(yoga, server, config, { logger, metrics });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);

  const marks = { iwerp: 0, popsell: 0, messenger: 0 };
  const vendorRequests = (key: keyof typeof marks) => simulators[key].requests.slice(marks[key]);

  return {
    url,
    simulators,
    lifecycle,
    async query(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = DEMO_HEADERS): Promise<GraphQLResponse> {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    vendorRequests,
    calls: () => ({
      iwerp: vendorRequests('iwerp').length,
      popsell: vendorRequests('popsell').length,
      messenger: vendorRequests('messenger').length,
    }),
    resetCalls() {
      for (const key of Object.keys(marks) as (keyof typeof marks)[]) marks[key] = simulators[key].requests.length;
    },
    live,
    async close() {
      const liveClosed = live.close();
      await closeWebSockets();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await liveClosed;
      await upstreams.close();
      await yoga.dispose();
      if (!options.simulators) await simulators.close();
    },
  };
}

export type TestGateway = Awaited<ReturnType<typeof startGateway>>;

/** Error codes by path, for partial-data assertions. */
export const errorCodes = (response: GraphQLResponse) =>
  Object.fromEntries((response.errors ?? []).map((e) => [(e.path ?? []).join('.'), e.extensions?.code]));

/** Starts one gateway for a test file, and counts vendor calls from zero for each test. */
export function useGateway(options: GatewayOptions = {}): () => TestGateway {
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    gateway = await startGateway(options);
  });
  afterAll(async () => {
    await gateway?.close();
  });
  beforeEach(() => gateway?.resetCalls());
  return () => {
    if (!gateway) throw new Error('the gateway starts in beforeAll');
    return gateway;
  };
}
