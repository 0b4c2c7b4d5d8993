import { pino, type DestinationStream, type Logger } from 'pino';

/** Header names that carry vendor credentials: never written to a log line. */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'x-session-token',
  'api-token',
  'personal-access-token',
  'API-TOKEN',
  'Personal-Access-Token',
];

/**
 * pino, for JSON lines that cost little on the hot path. Redaction is configured once here, so a
 * headers object logged anywhere has its credentials censored.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: CREDENTIAL_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
