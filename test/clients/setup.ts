/**
 * The client set-up the README's "Frontend clients" section gives, as code the client tests run:
 * Apollo Client's InMemoryCache and urql's graphcache, each told the schema's possible types
 * (schema/possibleTypes.json), which objects have no id and which lists a new answer replaces.
 */
import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import { buildSchema, introspectionFromSchema } from 'graphql';
import { InMemoryCache, type StoreObject } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { afterEach, beforeEach, vi } from 'vitest';
import possibleTypes from '../../schema/possibleTypes.json' with { type: 'json' };

/** Objects without an `id`: they belong to the object that holds them. */
const ID_LESS = ['ChatroomCapabilities', 'ChatroomRating', 'ChatroomSummary', 'Attachment', 'ChatroomConnection', 'ChatroomEdge', 'PageInfo', 'SendMessagePayload'] as const;

export const apolloCache = () =>
  new InMemoryCache({
    possibleTypes,
    typePolicies: {
      // A chatroom's capabilities, rating and summary are values of the chatroom: a new answer
      // with other fields of them adds to what the cache holds instead of replacing it.
      ChatroomCapabilities: { merge: true },
      ChatroomRating: { merge: true },
      ChatroomSummary: { merge: true },
      // Participants and reactions are the vendor's current state: a new answer replaces the list.
      Chatroom: { fields: { participants: { merge: false } } },
      Message: {
        fields: {
          reactions: { merge: false },
          // A message's attachments (no id) never change once sent: merged position by position.
          attachments: {
            merge: (existing: readonly StoreObject[] | undefined, incoming: readonly StoreObject[], { mergeObjects }) =>
              incoming.map((attachment, i) => (existing?.[i] ? mergeObjects(existing[i], attachment) : attachment)),
          },
        },
      },
      Query: { fields: { organizationChatrooms: relayStylePagination(['organizationId']) } },
    },
  });

/**
 * graphcache is given the whole schema, not only its possible types: with possible types alone it
 * still writes a fragment on one concrete type (`... on IwerpParticipant`) into objects of another
 * and warns about the fields they lack.
 */
export const urqlCache = () =>
  cacheExchange({
    schema: introspectionFromSchema(buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'))),
    keys: Object.fromEntries(ID_LESS.map((type) => [type, () => null])),
    resolvers: { Query: { organizationChatrooms: relayPagination() } },
  });

/**
 * Every console line a client prints while a test runs (Apollo's invariant warnings and urql's
 * warnings go through console.warn/error/log/debug).
 */
export function captureConsole(): { lines: string[] } {
  const captured = { lines: [] as string[] };
  beforeEach(() => {
    captured.lines = [];
    for (const method of ['debug', 'log', 'info', 'warn', 'error'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.lines.push(`${method}: ${format(...args)}`);
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return captured;
}
