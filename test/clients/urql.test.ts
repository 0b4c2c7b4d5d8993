/**
 * urql 6 with graphcache 9 against the gateway in demo mode, in urql's default configuration
 * (queries as GET with the credential headers): with the README's set-up it prints nothing and
 * normalizes every object; without it, graphcache warns about every id-less object and guesses
 * fragment matches.
 */
import { Client, fetchExchange, gql, type Exchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { useGateway } from '../helpers/gateway.js';
import { PAGE as PAGE_SOURCE, PARTICIPANTS as PARTICIPANTS_SOURCE } from './operations.js';
import { captureConsole, urqlCache } from './setup.js';

const gateway = useGateway();
const output = captureConsole();

const client = (cache: Exchange) =>
  new Client({ url: gateway().url.href, exchanges: [cache, fetchExchange], fetchOptions: { headers: DEMO_HEADERS } });

const PARTICIPANTS = gql(PARTICIPANTS_SOURCE);
const PAGE = gql(PAGE_SOURCE);
const ROOM = gql`
  query Room {
    chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) {
      id name capabilities { canSendMessage canUpdate } lastRating { value comment } lastSummary { summary topic }
    }
  }
`;
const MESSAGE = gql`
  query Message { messageByProviderId(provider: IWERP, providerId: "3") { id attachments { filename size } reactions { id emoji } } }
`;
const SEND = gql`
  mutation Send($id: ID!) { sendMessage(chatroomId: $id, text: "hello") { text chatroom { id name } } }
`;

type Data = Record<string, any>;

async function firstHour(urql: Client) {
  const people = await urql.query<Data>(PARTICIPANTS, {}).toPromise();
  const room = await urql.query<Data>(ROOM, {}).toPromise();
  const message = await urql.query<Data>(MESSAGE, {}).toPromise();
  const first = await urql.query<Data>(PAGE, {}).toPromise();
  await urql.query<Data>(PAGE, { after: first.data!.organizationChatrooms.pageInfo.endCursor }).toPromise();
  const sent = await urql.mutation<Data>(SEND, { id: first.data!.organizationChatrooms.edges[0].node.id }).toPromise();
  for (const result of [people, room, message, first, sent]) expect(result.error).toBeUndefined();
  return { people: people.data!, room: room.data!, message: message.data! };
}

describe('urql 6, graphcache 9', () => {
  it('with the schema and keys for the id-less objects: no warning, every object normalized', async () => {
    const urql = client(urqlCache());
    const { people, room, message } = await firstHour(urql);
    expect(output.lines).toEqual([]);

    const iwerpPerson = people.iwerp.participants[0];
    expect(iwerpPerson).toMatchObject({ __typename: 'IwerpParticipant', displayName: expect.any(String), isAdmin: expect.anything() });
    for (const p of [...people.popsell.participants, ...people.messenger.participants]) expect(p.displayName).toEqual(expect.any(String));
    expect(room.chatroomByProviderId.capabilities).toEqual(expect.objectContaining({ canSendMessage: expect.any(Boolean) }));
    expect(message.messageByProviderId.attachments.length).toBeGreaterThan(0);
    // Everything above is answered from the cache alone, and the two pages are one list.
    for (const query of [PARTICIPANTS, ROOM, MESSAGE]) expect(urql.readQuery(query, {})?.data).toBeTruthy();
    expect(urql.readQuery<Data>(PAGE, {})?.data?.organizationChatrooms.edges).toHaveLength(4);
  });

  it('without them (a bare graphcache), the same operations warn', async () => {
    await firstHour(client(cacheExchange()));
    const warnings = output.lines.filter((line) => line.startsWith('warn:'));
    expect(warnings.some((line) => line.includes('Heuristic Fragment Matching'))).toBe(true);
    expect(warnings.some((line) => line.includes('Invalid key'))).toBe(true);
  });
});
