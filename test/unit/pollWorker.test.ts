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

const config = testConfig({ MESSENGER_BREAKER_VOLUME: '2', MESSENGER_BREAKER_RESET_MS: '1500', MESSENGER_RETRIES: '0' });
const credentials: Credentials = {
  iwerp: { sessionToken: 'demo-session', buildId: undefined, packageId: undefined },
  popsell: null,
  messenger: { apiToken: 'demo-api-token', personalAccessToken: undefined },
};
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
      const read = await worker.read(room('IWERP', '2'), credentials, new AbortController().signal, undefined);
      // Structured clone keeps what the model holds: Dates stay Dates, absent fields stay absent.
      expect(read).toStrictEqual(await here.adapters.IWERP.getChatroom({ provider: 'IWERP', providerId: '2', brandId: null }, credentials));
    } finally {
      await here.close();
    }
    expect(simulators.iwerp.requests.map((request) => request.headers['x-session-token'])).toEqual(['demo-session', 'demo-session']);
    expect(observed).toContainEqual(['observe', 'IWERP', 'GET', '/api/chat/chatroom/{identifier}', '200', expect.any(Number)]);
  });

  it('answers a state found unchanged as the object the main thread holds, and a changed one anew', async () => {
    const read = (previous: unknown) => worker.read(room('MESSENGER', '30'), credentials, new AbortController().signal, previous);
    const first = await read(undefined);
    expect(await read(first)).toBe(first);
    // A state the worker did not send (read here, or from another instance) has no tag: it is sent whole.
    const copy = structuredClone(first);
    const again = await read(copy);
    expect(again).not.toBe(copy);
    expect(again).toStrictEqual(first);
    simulators.messengerState.rooms.get(30)!.name = 'Renamed thirty';
    const renamed = (await read(again)) as { name: string };
    expect(renamed).not.toBe(again);
    expect(renamed.name).toBe('Renamed thirty');
  });

  it('rebuilds a vendor’s error as the coded error it was', async () => {
    await expect(worker.read(room('IWERP', '999999'), credentials, new AbortController().signal, undefined)).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND', provider: 'IWERP' },
    });
  });

  it('gives up on a read whose pair retired at once, and so does the worker: its vendor call ends long before the vendor answers', async () => {
    simulators.iwerp.inject({ fault: { kind: 'slow', delayMs: 3000 }, route: '/api/chat/chatroom/2' });
    const controller = new AbortController();
    const reading = worker.read(room('IWERP', '2'), credentials, controller.signal, undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    controller.abort(new Error('retired'));
    await expect(reading).rejects.toThrow('retired');
    // The worker's abandoned call is reported (with its error code) when the worker answers it.
    const abandoned = () => observed.filter((entry) => entry[3] === '/api/chat/chatroom/{identifier}' && entry[4] !== '200');
    await expect.poll(abandoned, { timeout: 2000 }).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
    simulators.iwerp.clearFaults();
  });

  it('pauses a vendor’s polls once its breaker in the worker opened, for the breaker’s reset time', async () => {
    expect(worker.paused('MESSENGER')).toBe(false);
    simulators.messenger.inject({ fault: { kind: 'status', status: 503 }, route: '/chatroom/9' });
    for (let i = 0; i < 6; i += 1) {
      await worker.read(room('MESSENGER', '9'), credentials, new AbortController().signal, undefined).catch(() => undefined);
    }
    simulators.messenger.clearFaults();
    expect(worker.paused('MESSENGER')).toBe(true);
    expect(worker.paused('IWERP')).toBe(false);
    // After the reset time the lane may poll again: the worker's breaker lets one read through, and it succeeds.
    await expect.poll(() => worker.paused('MESSENGER'), { timeout: 3000 }).toBe(false);
    await expect(worker.read(room('MESSENGER', '9'), credentials, new AbortController().signal, undefined)).resolves.toMatchObject({ providerId: '9' });
    expect(worker.paused('MESSENGER')).toBe(false);
  });

  it('a worker that dies fails its reads as transient and says so; polls read on this thread until another starts, a second later, then twice as long', async () => {
    const { logger, lines } = logs();
    // A base URL the worker cannot parse: it throws as it starts.
    const broken = createPollWorker({
      data: { baseUrls: { iwerp: 'not a url' }, upstreams: config.upstreams, messengerPaths: config.messengerPaths, maxPageSize: 100, logLevel: 'silent', logPretty: false },
      logger,
    });
    const here = createUpstreams(config, { iwerp: simulators.iwerp.baseUrl, popsell: simulators.popsell.baseUrl, messenger: simulators.messenger.baseUrl }, createLogger('silent'));
    const readable = chatroomResource(here.adapters.IWERP, { provider: 'IWERP', providerId: '1', brandId: null });
    const read = () => broken.read(readable, credentials, new AbortController().signal, undefined);
    try {
      await expect(read()).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_ERROR', provider: 'IWERP' } });
      expect(lines.filter((line) => line.includes('polls read on the main thread for 1000 ms'))).toHaveLength(1);
      // Within the second: read here, through the resource's own adapter.
      await expect(read()).resolves.toMatchObject({ name: 'Project Apollo' });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await expect(read()).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_ERROR' } });
      expect(lines.filter((line) => line.includes('polls read on the main thread for 2000 ms'))).toHaveLength(1);
    } finally {
      await broken.close();
      await here.close();
    }
  });
});
