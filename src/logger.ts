import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { requestScope } from './observability/requestScope.js';

/**
 * Header names whose values are secrets: never written to a log line. Not the list of
 * upstreams/credentials.ts, on purpose: pino's redact paths are case-sensitive (the vendor-side
 * spellings are here too), and the Popsell brand, a preflight proof there, is no secret.
 */
export const SECRET_HEADERS = [
  'authorization',
  'x-session-token',
  'api-token',
  'personal-access-token',
  'API-TOKEN',
  'Personal-Access-Token',
];

/**
 * pino, for JSON lines that cost little on the hot path. Redaction is configured once here, so a
 * headers object logged anywhere has its credentials censored; every line logged while a request
 * is served carries its requestId. `pretty` prints coloured lines with local times for humans
 * (LOG_PRETTY, or stdout being a terminal).
 */
export function createLogger(level: string, destination?: DestinationStream, pretty = false): Logger {
  const options: LoggerOptions = {
    level,
    redact: {
      paths: SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
      censor: '[redacted]',
    },
    // A copy: pino merges each line's fields into the mixin's object, which would carry them (a
    // vendor body, say) into every later line of the request.
    mixin: () => ({ ...requestScope.getStore() }),
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Calls `say` once a minute at most: a flood of refusals must not become a flood of log lines. */
export function onceAMinute(say: () => void): () => void {
  let saidAt = -Infinity;
  return () => {
    if (performance.now() - saidAt < 60_000) return;
    saidAt = performance.now();
    say();
  };
}
