import { print } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { MessageWithStubsDocument, type MessageWithStubsQuery, type MessageWithStubsQueryVariables } from '../generated/operations.js';
import { errorCodes, useGateway } from '../helpers/gateway.js';

const gw = useGateway();

const without = (...names: string[]) =>
  Object.fromEntries(Object.entries(DEMO_HEADERS).filter(([name]) => !names.includes(name)));

describe('vendor call counts', () => {
  it('a message with chatroom { name } and author { displayName }: 1 call, from the stubs', async () => {
    // The typed operation generated from test/operations/MessageWithStubs.graphql (npm run codegen).
    const res = await gw().query(print(MessageWithStubsDocument), { id: '1' } satisfies MessageWithStubsQueryVariables);
    expect(res.errors).toBeUndefined();
    const data = res.data as MessageWithStubsQuery;
    expect(data.messageByProviderId).toMatchObject({ chatroom: { name: 'Project Apollo' }, author: { displayName: 'Ben Cole' } });
    expect(gw().calls()).toEqual({ iwerp: 1, popsell: 0, messenger: 0 });
    gw().resetCalls();
    const allStubFields = await gw().query(`{ messageByProviderId(provider: IWERP, providerId: "1") {
      chatroom { id name imageUrl createdAt updatedAt deleted kind capabilities { canSendMessage } } author { id displayName avatarUrl deleted } } }`);
    expect(allStubFields.errors).toBeUndefined();
    expect(gw().calls()).toEqual({ iwerp: 1, popsell: 0, messenger: 0 });
  });

  it('the same with author { firstName }: 2 calls (the message, then its chatroom)', async () => {
    const res = await gw().query(`{ messageByProviderId(provider: IWERP, providerId: "1") {
      chatroom { name } author { displayName firstName } } }`);
    expect(res.data?.messageByProviderId.author).toEqual({ displayName: 'Ben Cole', firstName: 'Ben' });
    expect(gw().calls().iwerp).toBe(2);
    expect(gw().vendorRequests('iwerp').map((r) => r.path)).toEqual(['/api/chat/chatroom_message/1', '/api/chat/chatroom/1']);
  });

  it('20 messages of one room with the room and its participants: 21 calls', async () => {
    const messages = Array.from(
      { length: 20 },
      (_, i) => `m${i + 1}: messageByProviderId(provider: IWERP, providerId: "${i + 1}") {
        text author { displayName firstName isAdmin } chatroom { name participants { displayName } } }`,
    ).join('\n');
    const res = await gw().query(`{ ${messages}
      room: chatroomByProviderId(provider: IWERP, providerId: "1") { name participants { displayName lastName } } }`);
    expect(res.errors).toBeUndefined();
    expect(Object.keys(res.data ?? {})).toHaveLength(21);
    expect(gw().calls()).toEqual({ iwerp: 21, popsell: 0, messenger: 0 });
    // One round for the messages and the room, and the room fetched once.
    expect(gw().vendorRequests('iwerp').filter((r) => r.path === '/api/chat/chatroom/1')).toHaveLength(1);
  });

  it("a message's room is fetched as soon as that message answers, not after the slowest of its level", async () => {
    const { iwerp } = gw().simulators;
    iwerp.inject({ route: '/api/chat/chatroom_message/2', fault: { kind: 'slow', delayMs: 2000 } });
    try {
      const answered = gw().query(`{
        fast: messageByProviderId(provider: IWERP, providerId: "1") { chatroom { participants { displayName } } }
        slow: messageByProviderId(provider: IWERP, providerId: "2") { text } }`);
      // The room is asked for while message 2 is still on its way.
      await vi.waitFor(() => expect(gw().vendorRequests('iwerp').map((r) => r.path)).toContain('/api/chat/chatroom/1'), { timeout: 1500 });
      expect((await answered).errors).toBeUndefined();
    } finally {
      iwerp.clearFaults();
    }
  });

  it('fetches a resource once per request, whichever way it is named', async () => {
    const id = encodeGlobalId('Chatroom', 'IWERP', { chatroom: '2' });
    const res = await gw().query(`query($id: ID!) {
      a: chatroom(id: $id) { name } b: node(id: $id) { id } c: chatroomByProviderId(provider: IWERP, providerId: "2") { name }
      d: chatrooms(ids: [$id, $id]) { name } }`, { id });
    expect(res.errors).toBeUndefined();
    expect(gw().calls().iwerp).toBe(1);
  });

  it("reads numeric ids up to the largest each vendor documents (Messenger's 2^53-1, Popsell's 2^31-1), and refuses larger ones with no call", async () => {
    // A reviewer's finding: Messenger ids of 16 digits were refused, the gateway's own IDs among them.
    const res = await gw().query(`{
      m: chatroom(id: "${encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '9007199254740991' })}") { name }
      m16: chatroomByProviderId(provider: MESSENGER, providerId: "1000000000000000") { name }
      p: chatroomByProviderId(provider: POPSELL, providerId: "2147483647", brandId: 1) { name }
      tooLarge: chatroomByProviderId(provider: POPSELL, providerId: "2147483648", brandId: 1) { name } }`);
    expect(errorCodes(res)).toEqual({ m: 'NOT_FOUND', m16: 'NOT_FOUND', p: 'NOT_FOUND', tooLarge: 'BAD_USER_INPUT' });
    expect(gw().vendorRequests('messenger').map((r) => r.path).sort()).toEqual(['/chatroom/1000000000000000', '/chatroom/9007199254740991']);
    expect(gw().vendorRequests('popsell')).toHaveLength(1);
  });

  it('caches nothing across requests', async () => {
    const q = '{ chatroomByProviderId(provider: MESSENGER, providerId: "1") { name } }';
    await gw().query(q);
    await gw().query(q);
    expect(gw().calls().messenger).toBe(2);
  });

  it('organizationChatrooms(first: 100) is two parallel vendor pages; its rooms need no further call', async () => {
    const res = await gw().query(`{ organizationChatrooms(organizationId: 1, first: 100) {
      totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { providerId participants { displayName } capabilities { canUpdate } } } } }`);
    expect(res.errors).toBeUndefined();
    const conn = res.data?.organizationChatrooms;
    expect(conn.totalCount).toBe(36);
    expect(conn.edges).toHaveLength(36);
    expect(conn.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false });
    expect(gw().vendorRequests('messenger').map((r) => `${r.query.get('limit')}@${r.query.get('offset')}`).sort()).toEqual(['50@0', '50@50']);
  });
});

describe('reads', () => {
  it('pages through a connection with cursors', async () => {
    const page = async (after?: string) =>
      (await gw().query(`query($after: String) { organizationChatrooms(organizationId: 1, first: 15, after: $after) {
        edges { cursor node { providerId } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, { after })).data?.organizationChatrooms;
    const first = await page();
    const second = await page(first.pageInfo.endCursor);
    const third = await page(second.pageInfo.endCursor);
    const ids = [first, second, third].flatMap((p) => p.edges.map((e: { node: { providerId: string } }) => Number(e.node.providerId)));
    expect(ids).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
    expect(third.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it("lists the calling user's chatrooms when organizationId is omitted", async () => {
    const res = await gw().query('{ organizationChatrooms(first: 5) { totalCount edges { node { providerId } } } }', {}, { 'personal-access-token': 'demo-user' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.organizationChatrooms.edges).toHaveLength(5);
    expect(gw().vendorRequests('messenger')[0]?.query.get('all')).toBe('true');
  });

  it.each([0, -1, 101])('refuses first: %i with BAD_USER_INPUT and no call', async (first) => {
    const res = await gw().query(`{ organizationChatrooms(organizationId: 1, first: ${first}) { totalCount } }`);
    expect(errorCodes(res)).toEqual({ organizationChatrooms: 'BAD_USER_INPUT' });
    expect(gw().calls().messenger).toBe(0);
  });

  it('answers the event chatroom', async () => {
    const res = await gw().query('{ eventChatroom(organizationId: 1, eventId: 103) { providerId kind eventId organizationId } }');
    expect(res.data?.eventChatroom).toEqual({ providerId: '4', kind: 'EVENT', eventId: 103, organizationId: 1 });
  });

  it('returns partial data: one vendor without a credential fails only its own field, with no call', async () => {
    const res = await gw().query(`{
      iw: chatroomByProviderId(provider: IWERP, providerId: "1") { name }
      pop: chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) { kind }
      msg: chatroomByProviderId(provider: MESSENGER, providerId: "1") { name } }`, {}, without('authorization'));
    expect(res.data).toEqual({ iw: { name: 'Project Apollo' }, pop: null, msg: { name: 'Everyone' } });
    expect(res.errors?.[0]).toMatchObject({ path: ['pop'], extensions: { code: 'UNAUTHENTICATED', provider: 'POPSELL' } });
    expect(gw().calls().popsell).toBe(0);
  });

  it('answers a Popsell lookup without a bearer token UNAUTHENTICATED, even with a brand header', async () => {
    const res = await gw().query('{ chatroomByProviderId(provider: POPSELL, providerId: "1") { kind } }', {}, without('authorization'));
    expect(errorCodes(res)).toEqual({ chatroomByProviderId: 'UNAUTHENTICATED' });
    expect(gw().calls().popsell).toBe(0);
  });

  it('maps vendor statuses to codes at their paths', async () => {
    const res = await gw().query(`{
      missing: chatroomByProviderId(provider: IWERP, providerId: "99") { name }
      private: chatroomByProviderId(provider: IWERP, providerId: "5") { name }
      otherBrand: chatroomByProviderId(provider: POPSELL, providerId: "7", brandId: 2) { kind } }`);
    expect(errorCodes(res)).toEqual({ missing: 'NOT_FOUND', private: 'FORBIDDEN', otherBrand: 'NOT_FOUND' });
    for (const e of res.errors ?? []) expect(e.message).not.toMatch(/http|127\.0\.0\.1|secret|demo/i);
  });

  it('takes the Popsell brand from the argument, else the header; neither is BAD_USER_INPUT with no call', async () => {
    const viaHeader = await gw().query('{ chatroomByProviderId(provider: POPSELL, providerId: "2") { brandId } }');
    expect(viaHeader.data?.chatroomByProviderId.brandId).toBe(1);
    const viaArg = await gw().query('{ chatroomByProviderId(provider: POPSELL, providerId: "2", brandId: 2) { brandId } }');
    expect(viaArg.data?.chatroomByProviderId.brandId).toBe(2);
    gw().resetCalls();
    const neither = await gw().query('{ chatroomByProviderId(provider: POPSELL, providerId: "2") { brandId } }', {}, without('x-popsell-brand'));
    expect(errorCodes(neither)).toEqual({ chatroomByProviderId: 'BAD_USER_INPUT' });
    expect(gw().calls().popsell).toBe(0);
  });

  it('answers UNSUPPORTED_BY_PROVIDER for a Popsell or Messenger message, with no call', async () => {
    const res = await gw().query(`{ p: messageByProviderId(provider: POPSELL, providerId: "1") { text }
      m: messageByProviderId(provider: MESSENGER, providerId: "1") { text } }`);
    expect(errorCodes(res)).toEqual({ p: 'UNSUPPORTED_BY_PROVIDER', m: 'UNSUPPORTED_BY_PROVIDER' });
    expect(gw().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
  });

  it('leaves deleted participants and reactions out unless includeDeleted', async () => {
    const res = await gw().query(`{ messageByProviderId(provider: IWERP, providerId: "2") {
      reactions { emoji } allReactions: reactions(includeDeleted: true) { emoji deleted }
      chatroom { participants { deleted } everyone: participants(includeDeleted: true) { deleted } } } }`);
    const m = res.data?.messageByProviderId;
    expect(m.reactions).toEqual([{ emoji: '👍' }]);
    expect(m.allReactions).toHaveLength(2);
    expect(m.chatroom.participants).toHaveLength(5);
    expect(m.chatroom.everyone.filter((p: { deleted: boolean }) => p.deleted)).toHaveLength(1);
  });

  it('reads a person the same whichever path reached them', async () => {
    // Message 7's author has no `name`; the stub cannot decide, so the nickname rule applies both ways.
    const res = await gw().query(`{ messageByProviderId(provider: IWERP, providerId: "7") {
      author { id displayName } chatroom { participants { id displayName } } } }`);
    const m = res.data?.messageByProviderId;
    const same = m.chatroom.participants.find((p: { id: string }) => p.id === m.author.id);
    expect(m.author.displayName).toBe('chia');
    expect(same.displayName).toBe('chia');
  });

  it('keeps order in chatrooms(ids), with null and an error at the index of a bad one', async () => {
    const ids = [
      encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '3' }),
      'not-an-id',
      encodeGlobalId('Chatroom', 'POPSELL', { chatroom: '4', brand: '1' }),
      encodeGlobalId('Chatroom', 'IWERP', { chatroom: '2' }),
      encodeGlobalId('Message', 'IWERP', { message: '1' }),
    ];
    const res = await gw().query('query($ids: [ID!]!) { chatrooms(ids: $ids) { provider providerId } }', { ids });
    expect(res.data?.chatrooms).toEqual([
      { provider: 'MESSENGER', providerId: '3' },
      null,
      { provider: 'POPSELL', providerId: '4' },
      { provider: 'IWERP', providerId: '2' },
      null,
    ]);
    expect(errorCodes(res)).toEqual({ 'chatrooms.1': 'BAD_USER_INPUT', 'chatrooms.4': 'BAD_USER_INPUT' });
  });

  it('converts dates to UTC Z and keeps the vendor quirks readable', async () => {
    const res = await gw().query(`{ chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) {
      createdAt establishedDialogue establishedDialogueAt source kind lastSummary { createdAt } } }`);
    expect(res.data?.chatroomByProviderId).toEqual({
      createdAt: '2023-10-05T21:01:09.123Z',
      establishedDialogue: true,
      establishedDialogueAt: '2023-10-06T13:42:09.123Z',
      source: 'WAITING_LIST',
      kind: 'GROUP',
      lastSummary: { createdAt: '2023-10-06T13:42:09.123Z' },
    });
  });
});

describe('node(id) answers every id the gateway hands out', () => {
  it('for every Node type and vendor', async () => {
    const res = await gw().query(`{
      iw: chatroomByProviderId(provider: IWERP, providerId: "1") { id participants { id } }
      pop: chatroomByProviderId(provider: POPSELL, providerId: "3", brandId: 1) { id participants { id } }
      msg: chatroomByProviderId(provider: MESSENGER, providerId: "9") { id participants { id } }
      message: messageByProviderId(provider: IWERP, providerId: "3") { id author { id } reactions { id participant { id } } } }`);
    expect(res.errors).toBeUndefined();
    const d = res.data!;
    const ids: string[] = [
      d.iw.id, d.iw.participants[0].id, d.pop.id, d.pop.participants[0].id, d.msg.id, d.msg.participants[0].id,
      d.message.id, d.message.author.id, d.message.reactions[0].id, d.message.reactions[0].participant.id,
    ];
    const nodes = await gw().query(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, { ids });
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data?.nodes.map((n: { id: string }) => n.id)).toEqual(ids);
    expect(nodes.data?.nodes.map((n: { __typename: string }) => n.__typename)).toEqual([
      'Chatroom', 'IwerpParticipant', 'Chatroom', 'Ambassador', 'Chatroom', 'MessengerUser', 'Message', 'IwerpParticipant', 'Reaction', 'IwerpParticipant',
    ]);
  });

  it('refuses a malformed id with BAD_USER_INPUT', async () => {
    const res = await gw().query('{ node(id: "Q2hhdHJvb206") { id } bad: chatroom(id: "%%%") { id } }');
    expect(errorCodes(res)).toEqual({ node: 'BAD_USER_INPUT', bad: 'BAD_USER_INPUT' });
  });
});

describe('in-flight deduplication across requests', () => {
  it('identical reads at once share one vendor call, but only with the same credential', async () => {
    gw().simulators.iwerp.inject({ fault: { kind: 'slow', delayMs: 100 } });
    const q = '{ chatroomByProviderId(provider: IWERP, providerId: "3") { name } }';
    const other = { ...DEMO_HEADERS, 'x-session-token': 'another-caller' };
    const results = await Promise.all([gw().query(q), gw().query(q), gw().query(q), gw().query(q, {}, other), gw().query(q, {}, other)]);
    gw().simulators.iwerp.clearFaults();
    for (const res of results) expect(res.data).toEqual({ chatroomByProviderId: { name: 'Sales team' } });
    expect(gw().calls().iwerp).toBe(2);
    expect(new Set(gw().vendorRequests('iwerp').map((r) => r.headers['x-session-token']))).toEqual(new Set(['demo-session', 'another-caller']));
  });

  it('never shares a write', async () => {
    const id = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '20' });
    const send = () => gw().query('mutation($id: ID!) { sendMessage(chatroomId: $id, text: "twice") { text } }', { id });
    await Promise.all([send(), send()]);
    expect(gw().vendorRequests('messenger').filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});
