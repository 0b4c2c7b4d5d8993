import { describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/model/globalId.js';
import type { Fault } from '../../src/simulators/server.js';
import { errorCodes, useGateway } from '../helpers/gateway.js';

const THREE_VENDORS = `{
  iw: chatroomByProviderId(provider: IWERP, providerId: "1") { name }
  pop: chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) { kind }
  msg: chatroomByProviderId(provider: MESSENGER, providerId: "1") { name } }`;
const HEALTHY = { iw: { name: 'Project Apollo' }, pop: { kind: 'GROUP' }, msg: { name: 'Everyone' } };
const FIELD = { iwerp: 'iw', popsell: 'pop', messenger: 'msg' } as const;

// Short deadlines so timeouts are quick; the breaker is kept shut here (its own test is below).
const gw = useGateway({
  env: {
    UPSTREAM_TIMEOUT_MS: '400',
    UPSTREAM_RETRY_DELAY_MS: '5',
    UPSTREAM_MAX_RESPONSE_BYTES: '1048576',
    UPSTREAM_BREAKER_VOLUME: '100000',
  },
});

const FAULTS: [string, Fault, string, number][] = [
  // name, fault, code, vendor calls (1 + retries)
  ['500', { kind: 'status', status: 500 }, 'UPSTREAM_ERROR', 1],
  ['502', { kind: 'status', status: 502 }, 'UPSTREAM_ERROR', 3],
  ['503', { kind: 'status', status: 503 }, 'UPSTREAM_ERROR', 3],
  ['429 with Retry-After', { kind: 'status', status: 429, retryAfterSeconds: 0 }, 'UPSTREAM_ERROR', 3],
  ['slow', { kind: 'slow', delayMs: 1_000 }, 'UPSTREAM_TIMEOUT', 1],
  ['reset', { kind: 'reset' }, 'UPSTREAM_ERROR', 3],
  ['trickled body', { kind: 'trickle', intervalMs: 50 }, 'UPSTREAM_TIMEOUT', 1],
  ['garbage', { kind: 'garbage' }, 'UPSTREAM_ERROR', 1],
  ['wrong JSON shape', { kind: 'wrongShape' }, 'UPSTREAM_ERROR', 1],
  ['huge body', { kind: 'huge', bytes: 4 * 1024 * 1024 }, 'UPSTREAM_ERROR', 1],
  ['redirect', { kind: 'redirect', location: 'http://127.0.0.1:9/steal' }, 'UPSTREAM_ERROR', 1],
];

describe.each(['iwerp', 'popsell', 'messenger'] as const)('%s misbehaves', (vendor) => {
  it.each(FAULTS)('%s → its field fails with the right code, in bounded time, the others intact', async (_, fault, code, calls) => {
    gw().simulators[vendor].inject({ fault });
    const started = Date.now();
    const res = await gw().query(THREE_VENDORS);
    const elapsed = Date.now() - started;
    gw().simulators[vendor].clearFaults();
    expect(errorCodes(res)).toEqual({ [FIELD[vendor]]: code });
    expect(res.data).toEqual({ ...HEALTHY, [FIELD[vendor]]: null });
    expect(gw().calls()[vendor]).toBe(calls);
    expect(elapsed).toBeLessThan(1_500);
    for (const e of res.errors ?? []) expect(JSON.stringify(e)).not.toMatch(/vendor-internal-detail|127\.0\.0\.1|demo-|Bearer/);
    // The process is up and the vendor answers again once it recovers.
    expect((await gw().query(THREE_VENDORS)).data).toEqual(HEALTHY);
  });
});

describe('retries', () => {
  it('a read is retried after 503 and answers', async () => {
    gw().simulators.iwerp.inject({ fault: { kind: 'status', status: 503 }, times: 2 });
    const res = await gw().query('{ chatroomByProviderId(provider: IWERP, providerId: "2") { name } }');
    expect(res.data).toEqual({ chatroomByProviderId: { name: 'Support' } });
    expect(gw().calls().iwerp).toBe(3);
  });

  it('a write is sent once, whatever the vendor answers', async () => {
    gw().simulators.messenger.inject({ fault: { kind: 'status', status: 503 }, method: 'POST' });
    const res = await gw().query('mutation($id: ID!) { sendMessage(chatroomId: $id, text: "once") { text } }', {
      id: encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '1' }),
    });
    gw().simulators.messenger.clearFaults();
    expect(errorCodes(res)).toEqual({ sendMessage: 'UPSTREAM_ERROR' });
    expect(gw().vendorRequests('messenger').filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a read after a successful write that fails says the write was applied', async () => {
    gw().simulators.messenger.inject({ fault: { kind: 'status', status: 500 }, method: 'GET', route: '/chatroom/22', times: 1 });
    const res = await gw().query('mutation($id: ID!) { sendMessage(chatroomId: $id, text: "sent once") { text chatroom { name } } }', {
      id: encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '22' }),
    });
    expect(res.data).toBeNull(); // sendMessage and its chatroom are non-null in the contract
    expect(res.errors?.[0]).toMatchObject({ path: ['sendMessage', 'chatroom'], extensions: { code: 'UPSTREAM_ERROR', writeApplied: true } });
    expect(res.errors?.[0]?.message).toMatch(/^The write was applied/);
    expect(gw().simulators.messengerState.sentMessages).toContainEqual({ roomId: 22, message: 'sent once' });
  });

  it('a Retry-After longer than the longest back-off is not waited for', async () => {
    gw().simulators.popsell.inject({ fault: { kind: 'status', status: 429, retryAfterSeconds: 120 } });
    const started = Date.now();
    const res = await gw().query('{ chatroomByProviderId(provider: POPSELL, providerId: "2", brandId: 1) { kind } }');
    gw().simulators.popsell.clearFaults();
    expect(errorCodes(res)).toEqual({ chatroomByProviderId: 'UPSTREAM_ERROR' });
    expect(gw().calls().popsell).toBe(1);
    expect(Date.now() - started).toBeLessThan(400);
  });
});
