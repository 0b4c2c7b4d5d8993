/** The only file that listens: loadConfig → (demo simulators) → assembleGateway → listen. */
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { assembleGateway, createHttpServer, serveWebSocket } from './gateway.js';
import { createLogger, onceAMinute } from './logger.js';
import { createMetrics } from './observability/metrics.js';

function configOrExit() {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit();

// Someone watching a terminal reads lines; a log collector reads JSON.
const logger = createLogger(config.logLevel, undefined, config.logPretty ?? process.stdout.isTTY === true);
// What the configuration leaves off is not even loaded: the tracing SDK and the simulators.
const tracing = config.tracing ? (await import('./observability/tracingSdk.js')).startTracing(config.serviceName) : undefined;
if (tracing) logger.info('Tracing: exporting spans over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT');
const metrics = createMetrics({ phaseHistograms: config.metricsPhaseHistograms });
const lifecycle = { draining: false };
const simulators = config.demo ? await (await import('./simulators/index.js')).startSimulators({ activityMs: config.demoActivityMs }) : undefined;
if (simulators) {
  logger.info('Demo mode: no *_BASE_URL is set, so the gateway talks to its built-in vendor simulators on loopback.');
  for (const key of ['iwerp', 'popsell', 'messenger'] as const) {
    logger.info(`Demo mode: ${key} simulator at ${simulators[key].baseUrl.href}`);
  }
  if (simulators.activity) logger.info(`Demo mode: the simulators change their own data every ${config.demoActivityMs} ms (DEMO_ACTIVITY_MS; 0 stops it)`);
}
const { upstreams, live, gateway } = assembleGateway(
  config,
  simulators
    ? { iwerp: simulators.iwerp.baseUrl, popsell: simulators.popsell.baseUrl, messenger: simulators.messenger.baseUrl }
    : config.baseUrls,
  { logger, metrics, lifecycle },
);
const server = createHttpServer(config, gateway, logger);
// Each connection holds a socket, its buffers and a file descriptor, and idle ones cost a client
// nothing: past MAX_CONNECTIONS a new one is closed on arrival (Node's maxConnections). The default
// leaves room above LIVE_MAX_SUBSCRIPTIONS, since an SSE subscription is a connection of its own.
server.maxConnections = config.maxConnections;
const sayRefusing = onceAMinute(() =>
  logger.warn(`Refusing new connections: MAX_CONNECTIONS (${config.maxConnections}) are open (gateway_connections_refused_total counts them)`),
);
server.on('drop', () => {
  metrics.connectionRefused();
  sayRefusing();
});
const closeWebSockets = serveWebSocket(gateway, server, config, { logger, metrics });
// The open connections, for the shutdown below: one shared listener, no closure per connection.
const connections = new Set<Socket>();
function forget(this: Socket) {
  connections.delete(this);
}
// A socket may come again: a request served without its upgrade (h2c) is handed back as a new connection.
server.on('connection', (socket: Socket) => {
  if (!connections.has(socket)) connections.add(socket.on('close', forget));
});
// A port already taken (or not ours to bind) is the operator's to fix: one line, no stack trace.
server.once('error', (error: NodeJS.ErrnoException) => {
  const reason = error.code === 'EADDRINUSE' ? 'is already in use' : error.code === 'EACCES' ? 'may not be bound by this user' : `cannot be bound (${error.code ?? error.message})`;
  process.stderr.write(`Port ${config.port} on ${config.host} ${reason}: stop what holds it, or set PORT.\n`);
  process.exit(1);
});
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  const shown = config.host === '0.0.0.0' ? 'localhost' : config.host;
  logger.info(`Chat gateway on http://${shown}:${port}${gateway.graphqlEndpoint}${config.demo ? ' (demo mode)' : ''}`);
});

/** Resolves true when the promise settles within ms, false when time runs out first; never rejects. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  const settled = promise.then(
    () => true,
    (error: unknown) => {
      logger.error({ err: String(error) }, 'Error while stopping');
      return true;
    },
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/**
 * SIGTERM, as load balancers and orchestrators expect: /readiness answers 503 "draining" while the
 * gateway keeps serving for SHUTDOWN_DRAIN_DELAY_MS (the time a load balancer takes to notice),
 * then it stops accepting and in-flight requests have SHUTDOWN_GRACE_MS to finish before their
 * connections are cut. Closing the vendor pools, Redis, the simulators and the exporter can wait on
 * a vendor that drips or vanished: each step gets only the time left, and a timer exits the process
 * at drain + grace + 1 s whatever still hangs.
 */
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const { shutdownDrainDelayMs: drainMs, shutdownGraceMs: graceMs } = config;
  const deadline = Date.now() + drainMs + graceMs + 1000;
  setTimeout(() => {
    logger.warn('Shutdown deadline reached: exiting with work still open');
    process.exit(0);
  }, deadline - Date.now());
  lifecycle.draining = true;
  logger.info(`${signal}: draining; /readiness answers 503 for ${drainMs} ms, then in-flight requests have ${graceMs} ms to finish`);
  await new Promise((resolve) => setTimeout(resolve, drainMs));
  // Subscriptions complete (their streams end, so their connections can close) and polls stop;
  // once their `complete` messages are out, WebSocket clients are told the server is going away.
  const liveClosed = live.close();
  setImmediate(() => void closeWebSockets());

  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const closeIdle = () => {
    server.closeIdleConnections();
    // Node's sweep passes over a connection that has sent nothing yet (its headers timer counts as
    // a request under way): one that Node's fetch opened ahead of need, after a response's body
    // was cancelled, held the exit for the whole grace period.
    for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
  };
  closeIdle();
  // A connection whose last response ends during the grace period (a subscription's stream, ended
  // above) goes idle after that first sweep, and a keep-alive client would hold the exit for its
  // own idle timeout: keep sweeping.
  const sweeping = setInterval(closeIdle, 50);
  if (!(await within(closed, graceMs))) {
    logger.warn('Shutdown grace period over: closing the connections still open');
    server.closeAllConnections();
  }
  clearInterval(sweeping);
  const steps: [string, (() => Promise<unknown>) | undefined][] = [
    ['live polls (Redis, the poll worker)', () => liveClosed],
    ['vendor pools and cache', () => upstreams.close()],
    // What the gateway's plugins hold open (the APQ store's Redis connection).
    ['gateway plugins', async () => gateway.dispose()],
    ['simulators', simulators?.close],
    ['trace exporter', tracing ? () => tracing.shutdown() : undefined],
  ];
  for (const [what, close] of steps) {
    if (close && !(await within(close(), deadline - Date.now()))) logger.warn(`Shutdown: the ${what} did not close in time`);
  }
  logger.info('Stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
