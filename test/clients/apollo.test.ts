/**
 * Apollo Client 4 with InMemoryCache against the gateway in demo mode: with the README's set-up
 * it prints nothing and normalizes every object; without it, the same operations lose data.
 */
import { ApolloClient, HttpLink, InMemoryCache, gql, setLogVerbosity } from '@apollo/client';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { useGateway } from '../helpers/gateway.js';
import { PAGE as PAGE_SOURCE, PARTICIPANTS as PARTICIPANTS_SOURCE } from './operations.js';
import { apolloCache, captureConsole } from './setup.js';

const gateway = useGateway();
const output = captureConsole();

beforeAll(() => {
  loadDevMessages();
  loadErrorMessages();
  setLogVerbosity('debug');
});

const client = (cache: InMemoryCache) =>
  new ApolloClient({ link: new HttpLink({ uri: gateway().url.href, headers: DEMO_HEADERS }), cache });

const PARTICIPANTS = gql(PARTICIPANTS_SOURCE);
const PAGE = gql(PAGE_SOURCE);
const ROOM_BRIEF = gql`
  query RoomBrief { chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) { id name capabilities { canSendMessage } lastRating { value } lastSummary { summary } } }
`;
const ROOM_FULL = gql`
  query RoomFull {
    chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) {
      id capabilities { canUpdate canDelete } lastRating { comment } lastSummary { topic createdAt }
    }
  }
`;
const MESSAGE_BRIEF = gql`
  query MessageBrief { messageByProviderId(provider: IWERP, providerId: "3") { id attachments { filename } reactions { id emoji } } }
`;
const MESSAGE_FULL = gql`
  query MessageFull { messageByProviderId(provider: IWERP, providerId: "3") { id attachments { size mimeType } reactions { id createdAt } } }
`;
const ROOM_PEOPLE = gql`
  query RoomPeople($id: ID!) { chatroom(id: $id) { id participants { id displayName } } }
`;
const CREATE = gql`
  mutation Create { createChatroom(input: { organizationId: 1, name: "Apollo", assignedUserIds: [1, 2, 3] }) { id participants { id } } }
`;
const SHRINK = gql`
  mutation Shrink($id: ID!) { updateChatroom(id: $id, input: { assignedUserIds: [2] }) { id participants { id } } }
`;

/** The operations a frontend sends in its first hour, each twice with different selections. */
async function firstHour(apollo: ApolloClient) {
  type Data = Record<string, any>;
  const people = await apollo.query<Data>({ query: PARTICIPANTS });
  await apollo.query({ query: ROOM_BRIEF });
  await apollo.query({ query: ROOM_FULL });
  await apollo.query({ query: MESSAGE_BRIEF });
  await apollo.query({ query: MESSAGE_FULL });
  const first = await apollo.query<Data>({ query: PAGE });
  // The next page, as fetchMore sends it: past the cache, then merged into the list.
  await apollo.query({ query: PAGE, variables: { after: first.data!.organizationChatrooms.pageInfo.endCursor }, fetchPolicy: 'network-only' });
  const created = await apollo.mutate<Data>({ mutation: CREATE });
  const id = created.data!.createChatroom.id as string;
  await apollo.query({ query: ROOM_PEOPLE, variables: { id } });
  await apollo.mutate({ mutation: SHRINK, variables: { id } });
  return { people: people.data!, id };
}

describe('Apollo Client 4, InMemoryCache', () => {
  it('with schema/possibleTypes.json and the type policies: no warning, every object normalized', async () => {
    const cache = apolloCache();
    const { people, id } = await firstHour(client(cache));
    expect(output.lines).toEqual([]);

    // Fragments on the Participant interface matched every vendor's type.
    for (const room of [people.iwerp, people.popsell, people.messenger]) {
      expect(room.participants.length).toBeGreaterThan(0);
      for (const p of room.participants) expect(p).toMatchObject({ __typename: expect.stringMatching(/^(IwerpParticipant|Ambassador|MessengerUser)$/), id: expect.any(String), displayName: expect.any(String), provider: expect.any(String) });
    }
    const entities = cache.extract() as Record<string, Record<string, unknown>>;
    expect(Object.keys(entities).filter((key) => key.startsWith('IwerpParticipant:')).length).toBeGreaterThan(0);

    // Both selections of the id-less objects stay readable from the cache alone.
    for (const query of [ROOM_BRIEF, ROOM_FULL, MESSAGE_BRIEF, MESSAGE_FULL]) {
      expect(cache.readQuery({ query }), query.loc?.source.body).not.toBeNull();
    }
    // The two pages are one list.
    const page = cache.readQuery<{ organizationChatrooms: { edges: unknown[] } }>({ query: PAGE });
    expect(page?.organizationChatrooms.edges).toHaveLength(4);
    // The update's shorter list replaced the room's participants.
    const room = cache.readQuery<{ chatroom: { participants: unknown[] } }>({ query: ROOM_PEOPLE, variables: { id } });
    expect(room?.chatroom.participants).toHaveLength(1);
  });

  it('without them (a bare InMemoryCache), the same operations warn and lose fragment data', async () => {
    const { people } = await firstHour(client(new InMemoryCache()));
    const warnings = output.lines.filter((line) => line.startsWith('warn:'));
    expect(warnings.some((line) => line.includes('missing `possibleTypes`'))).toBe(true);
    expect(warnings.some((line) => line.includes('Cache data may be lost'))).toBe(true);
    expect(people.iwerp.participants[0]).not.toHaveProperty('displayName');
  });
});

describe('Apollo Client 4 with @defer', () => {
  it('delivers the README\'s example, sent in parts, with the incremental handler the README names', async () => {
    // A new user's pass: without `incrementalHandler`, Apollo Client 4 throws on any @defer result.
    // The answer's media type, as the link fetched it: incremental parts, not one result.
    const types: (string | null)[] = [];
    const fetchFn: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      types.push(response.headers.get('content-type'));
      return response;
    };
    const link = new HttpLink({ uri: gateway().url.href, headers: DEMO_HEADERS, fetch: fetchFn });
    const apollo = new ApolloClient({ link, cache: apolloCache(), incrementalHandler: new Defer20220824Handler() });
    const query = gql`
      query Incremental {
        fast: chatroomByProviderId(provider: IWERP, providerId: "1") { id name }
        ... @defer { slow: chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) { id kind lastRating { value } } }
      }
    `;
    const states = await new Promise<Record<string, any>[]>((resolve, reject) => {
      const seen: Record<string, any>[] = [];
      const subscription = apollo.watchQuery<Record<string, any>>({ query }).subscribe({
        next: ({ data, dataState, error }) => {
          if (error) return reject(error);
          if (data?.fast) seen.push({ ...data, dataState });
          if (dataState === 'complete') {
            subscription.unsubscribe();
            resolve(seen);
          }
        },
        error: reject,
      });
    });
    // Sent in parts (a reviewer's pass: the final state alone would pass a single result too);
    // whether Apollo shows the first part alone depends on how the parts arrive.
    expect(types).toEqual([expect.stringMatching(/^multipart\/mixed/)]);
    expect(states.at(-1)).toMatchObject({ fast: { name: expect.any(String) }, slow: { kind: expect.any(String) }, dataState: 'complete' });
    expect(output.lines).toEqual([]);
  });
});
