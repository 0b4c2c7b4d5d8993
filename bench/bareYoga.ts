/**
 * The benchmark's floor: a bare graphql-yoga, no plugins, serving the same answers as the gateway
 * for the distinct-caller scenarios from trivial resolvers (each root field returns the gateway's
 * own answer for it, recorded by bench/run.ts and passed in BENCH_BARE_ANSWERS, a JSON file).
 * What it costs per operation is what parsing, validating, executing and serializing the same
 * response shape cost in yoga alone, with no vendor behind it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

/** Root field name, then its `providerId` (or `organizationId`) argument → the gateway's answer. */
type Answers = Record<string, Record<string, unknown>>;
const answers = JSON.parse(readFileSync(process.env.BENCH_BARE_ANSWERS ?? '', 'utf8')) as Answers;

const typeDefs = /* GraphQL */ `
  enum Provider { IWERP POPSELL MESSENGER }
  type Participant { id: ID! displayName: String firstName: String lastName: String avatarUrl: String isAdmin: Boolean }
  type Chatroom { id: ID! name: String kind: String participants: [Participant!]! }
  type Message { text: String author: Participant chatroom: Chatroom }
  type ChatroomEdge { cursor: String! node: Chatroom! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type ChatroomConnection { totalCount: Int! pageInfo: PageInfo! edges: [ChatroomEdge!]! }
  type Query {
    chatroomByProviderId(provider: Provider!, providerId: ID!): Chatroom
    messageByProviderId(provider: Provider!, providerId: ID!): Message
    organizationChatrooms(organizationId: Int!, first: Int): ChatroomConnection
  }
`;
const answer = (field: string) => (_: unknown, args: { providerId?: string; organizationId?: number }) =>
  answers[field]?.[String(args.providerId ?? args.organizationId)] ?? null;

const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Query: {
        chatroomByProviderId: answer('chatroomByProviderId'),
        messageByProviderId: answer('messageByProviderId'),
        organizationChatrooms: answer('organizationChatrooms'),
      },
    },
  }),
  logging: false,
  landingPage: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  console.log(`Bare yoga on http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
