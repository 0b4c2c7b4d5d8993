/**
 * Real time with the clients a frontend uses, set up as the README's "Real time in the clients"
 * says: Apollo Client's GraphQLWsLink (subscriptions and @live queries) and urql's
 * subscriptionExchange, both over graphql-ws with the credentials in connectionParams. A
 * subscription's first event is the room as it is; a rename made through the gateway reaches it,
 * and Apollo's cache, as the next.
 */
import { ApolloClient, ApolloLink, HttpLink, gql, type TypedDocumentNode } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { useGateway } from '../helpers/gateway.js';
import { apolloCache, captureConsole } from './setup.js';

const gateway = useGateway({ env: { LIVE_POLL_INTERVAL_MS: '100' } });
const output = captureConsole();
const ROOM = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '12' });
const ROOM_CHANGES = `subscription RoomChanges($id: ID!) { chatroomChanged(id: $id) { changes chatroom { id name } } }`;
const RENAME = `mutation Rename($id: ID!, $name: String!) { updateChatroom(id: $id, input: { name: $name }) { id name } }`;

interface RoomChange {
  chatroomChanged: { changes: string[]; chatroom: { id: string; name: string | null } | null };
}

const sockets: WsClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) await socket.dispose();
});

/** graphql-ws as a browser tab would open it; on Node, `ws` is its WebSocket. */
function webSocket() {
  const url = gateway().url.href.replace(/^http/, 'ws');
  const socket = createClient({ url, connectionParams: DEMO_HEADERS, webSocketImpl: WebSocket, retryAttempts: 0 });
  sockets.push(socket);
  return socket;
}

type Event = { data?: RoomChange | null };

/**
 * Each event's change kinds and room name, until `count` have come: `start` subscribes with the
 * client's own API and returns how to unsubscribe. After the first event, the room is renamed.
 */
function take(start: (next: (event: Event) => void, fail: (error: unknown) => void) => () => void, count: number, rename: string) {
  return new Promise<[string[], string | null | undefined][]>((resolve, reject) => {
    const seen: [string[], string | null | undefined][] = [];
    const stop = start((event) => {
      const change = event.data?.chatroomChanged;
      seen.push([change?.changes ?? [], change?.chatroom?.name]);
      if (seen.length === 1) {
        gateway()
          .query(RENAME, { id: ROOM, name: rename })
          .then((answer) => answer.errors && reject(new Error(`the rename failed: ${JSON.stringify(answer.errors)}`)), reject);
      }
      if (seen.length === count) {
        stop();
        resolve(seen);
      }
    }, reject);
  });
}

/** The README's link: subscriptions and @live queries over the WebSocket, the rest over HTTP. */
const apolloLink = () =>
  ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && (definition.operation === 'subscription' || !!definition.directives?.some((d) => d.name.value === 'live'));
    },
    new GraphQLWsLink(webSocket()),
    new HttpLink({ uri: gateway().url.href, headers: DEMO_HEADERS }),
  );

describe('Apollo Client 4: GraphQLWsLink for subscriptions and @live queries, HttpLink for the rest', () => {
  it('delivers the room, then its rename, and the cache holds the new name', async () => {
    const apollo = new ApolloClient({ cache: apolloCache(), link: apolloLink() });
    const query: TypedDocumentNode<RoomChange, { id: string }> = gql(ROOM_CHANGES);
    const seen = await take((next, fail) => {
      const subscription = apollo.subscribe({ query, variables: { id: ROOM } }).subscribe({ next, error: fail });
      return () => subscription.unsubscribe();
    }, 2, 'Renamed for Apollo');
    expect(seen[0]).toEqual([['INITIAL'], expect.any(String)]);
    expect(seen[1]).toEqual([['RENAMED'], 'Renamed for Apollo']);
    expect(apollo.cache.readFragment({ id: apollo.cache.identify({ __typename: 'Chatroom', id: ROOM }), fragment: gql`fragment RoomName on Chatroom { name }` })).toEqual({
      __typename: 'Chatroom',
      name: 'Renamed for Apollo',
    });
    expect(output.lines).toEqual([]);
  });

  it('answers a @live query again after a rename (a new user\'s pass: the README sent it over HTTP, a 406)', async () => {
    const apollo = new ApolloClient({ cache: apolloCache(), link: apolloLink() });
    const query: TypedDocumentNode<{ chatroom: { id: string; name: string | null } | null }> = gql`query LiveRoom($id: ID!) @live { chatroom(id: $id) { id name } }`;
    const names = await new Promise<(string | null | undefined)[]>((resolve, reject) => {
      const seen: (string | null | undefined)[] = [];
      const subscription = apollo.watchQuery({ query, variables: { id: ROOM } }).subscribe({
        next: ({ data, error }) => {
          if (error) return reject(error);
          if (!data?.chatroom) return;
          seen.push(data.chatroom.name);
          if (seen.length === 1) void gateway().query(RENAME, { id: ROOM, name: 'Renamed live for Apollo' });
          if (data.chatroom.name === 'Renamed live for Apollo') {
            subscription.unsubscribe();
            resolve(seen);
          }
        },
        error: reject,
      });
    });
    expect(names.at(0)).not.toBe('Renamed live for Apollo');
    expect(names.at(-1)).toBe('Renamed live for Apollo');
    expect(output.lines).toEqual([]);
  });
});

describe('urql 6: subscriptionExchange over graphql-ws', () => {
  it('delivers the room, then its rename', async () => {
    const socket = webSocket();
    const client = new Client({
      url: gateway().url.href,
      fetchOptions: { headers: DEMO_HEADERS },
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
          }),
        }),
      ],
    });
    const seen = await take((next) => client.subscription<RoomChange>(ROOM_CHANGES, { id: ROOM }).subscribe(next).unsubscribe, 2, 'Renamed for urql');
    expect(seen[0]).toEqual([['INITIAL'], expect.any(String)]);
    expect(seen[1]).toEqual([['RENAMED'], 'Renamed for urql']);
    expect(output.lines).toEqual([]);
  });
});
