/** The only file that listens: loadConfig → (demo simulators) → createGateway → listen. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { createGateway } from './gateway.js';
import { createLogger } from './logger.js';
import { createMetrics } from './observability/metrics.js';
import { createUpstreams } from './upstreams/index.js';

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

const logger = createLogger(config.logLevel, undefined, config.logPretty);
// What the configuration leaves off is not even loaded: the tracing SDK and the simulators.
const tracing = config.tracing ? (await import('./observability/tracingSdk.js')).startTracing(config.serviceName) : undefined;
if (tracing) logger.info('Tracing: exporting spans over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT');
const metrics = createMetrics();
const lifecycle = { draining: false };
const simulators = config.demo ? await (await import('./simulators/index.js')).startSimulators() : undefined;
if (simulators) {
  logger.info('Demo mode: no *_BASE_URL is set, so the gateway talks to its built-in vendor simulators on loopback.');
  for (const key of ['iwerp', 'popsell', 'messenger'] as const) {
    logger.info(`Demo mode: ${key} simulator at ${simulators[key].baseUrl.href}`);
  }
}
const upstreams = createUpstreams(
  config,
  simulators
    ? { iwerp: simulators.iwerp.baseUrl, popsell: simulators.popsell.baseUrl, messenger: simulators.messenger.baseUrl }
    : config.baseUrls,
  logger,
  { metrics: metrics.vendor },
);
const gateway = createGateway({ config, adapters: upstreams.adapters, upstreams: upstreams.upstreams, logger, metrics, lifecycle });
const server = createServer(gateway);
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

/**
 * SIGTERM: stop accepting, let in-flight requests finish within SHUTDOWN_GRACE_MS (then cut
 * what is left), close the vendor pools, exit 0.
 */
function shutdown(signal: string) {
  lifecycle.draining = true;
  logger.info(`${signal}: shutting down; in-flight requests have ${config.shutdownGraceMs} ms to finish`);
  const cutoff = setTimeout(() => {
    logger.warn('Shutdown grace period over: closing the connections still open');
    server.closeAllConnections();
    // Whatever still holds the process (a vendor pool, an exporter) gets one more second.
    setTimeout(() => process.exit(0), 1000).unref();
  }, config.shutdownGraceMs);
  cutoff.unref();
  server.close(async () => {
    clearTimeout(cutoff);
    try {
      await upstreams.close();
      await simulators?.close();
      await tracing?.shutdown();
      logger.info('Stopped');
    } catch (error) {
      logger.error({ err: String(error) }, 'Error while stopping');
    } finally {
      process.exit(0);
    }
  });
  server.closeIdleConnections();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
