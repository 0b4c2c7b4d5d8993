import { describe, expect, it } from 'vitest';
import { errorCodes, useGateway } from '../helpers/gateway.js';

const gw = useGateway({
  env: {
    UPSTREAM_RETRIES: '0',
    UPSTREAM_BREAKER_VOLUME: '3',
    UPSTREAM_BREAKER_RESET_MS: '300',
    IWERP_CONCURRENCY: '2',
    IWERP_QUEUE: '2',
    // No queue at all still lets requests through up to the concurrency cap.
    MESSENGER_QUEUE: '0',
  },
});

const BOTH = `{ pop: chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) { kind }
  msg: chatroomByProviderId(provider: MESSENGER, providerId: "1") { name } }`;

describe('the circuit breaker', () => {
  it('opens after repeated failures, fails that vendor fast without calls, spares the others, and closes after a probe', async () => {
    gw().simulators.popsell.inject({ fault: { kind: 'status', status: 500 } });
    for (let i = 0; i < 3; i++) await gw().query(BOTH);
    expect(gw().calls().popsell).toBe(3);

    gw().resetCalls();
    const open = await gw().query(BOTH);
    expect(errorCodes(open)).toEqual({ pop: 'UPSTREAM_ERROR' });
    expect(open.errors?.[0]?.message).toMatch(/circuit is open/);
    expect(open.data?.msg).toEqual({ name: 'Everyone' });
    expect(gw().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 1 });

    // The vendor recovers; after the reset time one probe goes through and closes the circuit.
    gw().simulators.popsell.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 350));
    const probe = await gw().query(BOTH);
    expect(probe.errors).toBeUndefined();
    expect((await gw().query(BOTH)).errors).toBeUndefined();
  });

  it('does not count a 404 or 401 against the vendor', async () => {
    for (let i = 0; i < 5; i++) await gw().query('{ chatroomByProviderId(provider: MESSENGER, providerId: "999") { name } }');
    const res = await gw().query(BOTH);
    expect(res.errors).toBeUndefined();
  });
});

describe('the concurrency cap', () => {
  it('keeps at most CONCURRENCY requests at the vendor, queues QUEUE more, refuses the rest at once', async () => {
    gw().simulators.iwerp.inject({ fault: { kind: 'slow', delayMs: 400 } });
    // Eight different messages: identical reads would share one call.
    const queries = Array.from({ length: 8 }, (_, i) =>
      gw().query(`{ messageByProviderId(provider: IWERP, providerId: "${i + 1}") { text } }`),
    );
    // Two reach the vendor; the others wait (or are refused) while those two are slow.
    await expect.poll(() => gw().calls().iwerp).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gw().calls().iwerp).toBe(2);
    const results = await Promise.all(queries);
    gw().simulators.iwerp.clearFaults();
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'ok');
    expect(codes.filter((c) => c === 'ok')).toHaveLength(4);
    expect(codes.filter((c) => c === 'UPSTREAM_ERROR')).toHaveLength(4);
    expect(gw().calls().iwerp).toBe(4);
  });
});
