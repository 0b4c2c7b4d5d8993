import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createPollWorker, type PollWorker } from '../../src/live/pollWorkerClient.js';
import { chatroomResource } from '../../src/live/resources.js';
import type { Provider } from '../../src/model/provider.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { createUpstreams } from '../../src/upstreams/index.js';
import type { Credentials } from '../../src/upstreams/credentials.js';
import type { Adapters } from '../../src/context.js';
import { testConfig } from '../helpers/config.js';

const config = testConfig({ MESSENGER_BREAKER_VOLUME: '2', MESSENGER_BREAKER_RESET_MS: '60000', MESSENGER_RETRIES: '0' });
const credentials: Credentials = {
  iwerp: { sessionToken: 'demo-session', buildId: undefined, packageId: undefined },
  popsell: null,
  messenger: { apiToken: 'demo-api-token', personalAccessToken: undefined },
};
const RESET_MS = { IWERP: 5000, POPSELL: 5000, MESSENGER: 60_000 } as Record<Provider, number>;
// The worker reads with adapters of its own; the resource's own adapter is never called here.
const noAdapter = {} as Adapters['IWERP'];
const room = (provider: Provider, providerId: string) => chatroomResource(noAdapter, { provider, providerId, brandId: null });

function logs() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', destination), lines };
}

describe('the poll worker', () => {
  let simulators: Simulators;
  let worker: PollWorker;
  const observed: unknown[][] = [];

  beforeAll(async () => {
    simulators = await startSimulators({ record: true });
    worker = createPollWorker({
      data: {
        baseUrls: { iwerp: simulators.iwerp.baseUrl.href, popsell: simulators.popsell.baseUrl.href, messenger: simulators.messenger.baseUrl.href },
        upstreams: config.upstreams,
        messengerPaths: config.messengerPaths,
        maxPageSize: config.maxPageSize,
        logLevel: 'silent',
        logPretty: false,
      },
      breakerResetMs: RESET_MS,
      metrics: { observe: (...args) => observed.push(['observe', ...args]), retried: (...args) => observed.push(['retried', ...args]) },
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await worker.close();
    await simulators.close();
  });

  it('answers the model object a read on this thread makes, with the vendor’s own credential; its requests reach the metrics', async () => {
    const here = createUpstreams(config, { iwerp: simulators.iwerp.baseUrl, popsell: simulators.popsell.baseUrl, messenger: simulators.messenger.baseUrl }, createLogger('silent'));
    try {
      const read = await worker.read(room('IWERP', '2'), credentials, new AbortController().signal);
      // Structured clone keeps what the model holds: Dates stay Dates, absent fields stay absent.
      expect(read).toStrictEqual(await here.adapters.IWERP.getChatroom({ provider: 'IWERP', providerId: '2', brandId: null }, credentials));
    } finally {
      await here.close();
    }
    expect(simulators.iwerp.requests.map((request) => request.headers['x-session-token'])).toEqual(['demo-session', 'demo-session']);
    expect(observed).toContainEqual(['observe', 'IWERP', 'GET', '/api/chat/chatroom/{identifier}', '200', expect.any(Number)]);
  });

  it('rebuilds a vendor’s error as the coded error it was', async () => {
    await expect(worker.read(room('IWERP', '999999'), credentials, new AbortController().signal)).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND', provider: 'IWERP' },
    });
  });

  it('gives up on a read whose pair retired, at once', async () => {
    simulators.iwerp.inject({ fault: { kind: 'slow', delayMs: 2000 }, route: '/api/chat/chatroom/2' });
    const controller = new AbortController();
    const reading = worker.read(room('IWERP', '2'), credentials, controller.signal);
    controller.abort(new Error('retired'));
    await expect(reading).rejects.toThrow('retired');
    simulators.iwerp.clearFaults();
  });

  it('pauses a vendor’s polls once its breaker in the worker opened, for the breaker’s reset time', async () => {
    expect(worker.paused('MESSENGER')).toBe(false);
    simulators.messenger.inject({ fault: { kind: 'status', status: 503 }, route: '/chatroom/9' });
    for (let i = 0; i < 3; i += 1) {
      await worker.read(room('MESSENGER', '9'), credentials, new AbortController().signal).catch(() => undefined);
    }
    simulators.messenger.clearFaults();
    expect(worker.paused('MESSENGER')).toBe(true);
    expect(worker.paused('IWERP')).toBe(false);
  });
});

it('a worker that dies fails its reads as transient, says so, and the next read starts another', async () => {
  const { logger, lines } = logs();
  // A base URL the worker cannot parse: it throws as it starts.
  const broken = createPollWorker({
    data: { baseUrls: { iwerp: 'not a url' }, upstreams: config.upstreams, messengerPaths: config.messengerPaths, maxPageSize: 100, logLevel: 'silent', logPretty: false },
    breakerResetMs: RESET_MS,
    logger,
  });
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(broken.read(room('IWERP', '1'), credentials, new AbortController().signal)).rejects.toMatchObject({
        extensions: { code: 'UPSTREAM_ERROR', provider: 'IWERP' },
      });
    }
    expect(lines.filter((line) => line.includes('The poll worker exited'))).toHaveLength(2);
  } finally {
    await broken.close();
  }
});
