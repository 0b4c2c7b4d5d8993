import { describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { useGateway } from '../helpers/gateway.js';

const gw = useGateway({ env: { CACHE_TTL_MS: '400' } });
const ROOM = '{ chatroomByProviderId(provider: MESSENGER, providerId: "15") { name } }';
const POPSELL = '{ chatroomByProviderId(provider: POPSELL, providerId: "2") { kind brandId } }';

describe('the read cache (CACHE_TTL_MS)', () => {
  it('serves a repeated read from the cache, to the same credential only', async () => {
    await gw().query(ROOM);
    await gw().query(ROOM);
    expect(gw().calls().messenger).toBe(1);
    await gw().query(ROOM, {}, { ...DEMO_HEADERS, 'api-token': 'someone-else' });
    expect(gw().calls().messenger).toBe(2);
  });

  it('keeps Popsell brands apart', async () => {
    await gw().query(POPSELL);
    const other = await gw().query(POPSELL, {}, { ...DEMO_HEADERS, 'x-popsell-brand': '2' });
    expect(other.data).toEqual({ chatroomByProviderId: { kind: 'DIRECT', brandId: 2 } });
    expect(gw().calls().popsell).toBe(2);
  });

  it('forgets a vendor\'s reads after a write to it', async () => {
    const id = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '16' });
    const read = () => gw().query('query($id: ID!) { chatroom(id: $id) { name } }', { id });
    await read();
    await gw().query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Cached no more" }) { name } }', { id });
    gw().resetCalls();
    expect((await read()).data).toEqual({ chatroom: { name: 'Cached no more' } });
    expect(gw().calls().messenger).toBe(1);
  });

  it('expires entries after the TTL', async () => {
    const q = '{ chatroomByProviderId(provider: IWERP, providerId: "4") { name } }';
    await gw().query(q);
    await new Promise((resolve) => setTimeout(resolve, 450));
    await gw().query(q);
    expect(gw().calls().iwerp).toBe(2);
  });

  it('caches no failure', async () => {
    gw().simulators.iwerp.inject({ fault: { kind: 'status', status: 500 }, times: 1 });
    const q = '{ chatroomByProviderId(provider: IWERP, providerId: "3") { name } }';
    expect((await gw().query(q)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect((await gw().query(q)).data).toEqual({ chatroomByProviderId: { name: 'Sales team' } });
    expect(gw().calls().iwerp).toBe(2);
  });
});
