/**
 * Compiled queries (graphql-jit) answer exactly what yoga's own executor answers: the same bytes,
 * the same vendor calls. Two gateways share the simulators, one with COMPILED_QUERIES=false; every
 * document runs three times on the other, since a document is compiled on its second execution,
 * and the compiled query is counted so that a case cannot pass by never running compiled.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCENARIOS } from '../../bench/scenarios.js';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import type { FaultRule } from '../../src/simulators/server.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const room = (provider: 'IWERP' | 'POPSELL' | 'MESSENGER', chatroom: string) =>
  encodeGlobalId('Chatroom', provider, provider === 'POPSELL' ? { chatroom, brand: '1' } : { chatroom });
const message = encodeGlobalId('Message', 'IWERP', { message: '1' });

/** A vendor misbehaving while a case runs on both gateways. */
type VendorFault = { vendor: 'iwerp' | 'popsell' | 'messenger'; rule: FaultRule };

/** [title, document, variables, headers, fault]: the benchmark's scenarios, then where the engines could differ. */
const CASES: [string, string, Record<string, unknown>?, Record<string, string>?, VendorFault?][] = [
  ...SCENARIOS.map((s): [string, string] => [`bench scenario (${s.key}) ${s.title}`, s.query]),
  ['a rejected item last in a nullable list', 'query($ids: [ID!]!) { chatrooms(ids: $ids) { id name } }', { ids: [room('IWERP', '1'), room('IWERP', '99')] }],
  ['rejected items first, between and last', 'query($ids: [ID!]!) { chatrooms(ids: $ids) { id } }', { ids: ['bad', room('POPSELL', '4'), 'bad', room('MESSENGER', '3'), message] }],
  ['nodes(ids) with a missing one and a malformed one', 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Chatroom { name } ... on Message { text } } }', { ids: [message, room('IWERP', '77'), 'x'] }],
  ['an error deep in a selection, with its locations', `{
    a: chatroomByProviderId(provider: IWERP, providerId: "404") { name }
    b: messageByProviderId(provider: IWERP, providerId: "1") { text chatroom { name } }
  }`],
  ['a credential missing for one vendor', '{ p: chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) { name } i: chatroomByProviderId(provider: IWERP, providerId: "1") { name } }', {}, { 'x-session-token': 'demo-session' }],
  ['interfaces, unions, fragments and __typename', `query Room($id: ID!) {
    chatroom(id: $id) { __typename ...Room participants { __typename ... on Ambassador { username } ...Person } }
  }
  fragment Room on Chatroom { id name kind capabilities { canSendMessage } }
  fragment Person on Participant { id displayName }`, { id: room('POPSELL', '1') }],
  ['@skip and @include on fields, fragments and inline fragments', `query($yes: Boolean!, $no: Boolean = false) {
    chatroomByProviderId(provider: IWERP, providerId: "1") {
      name @include(if: $yes) createdAt @skip(if: $yes)
      ...Parts @include(if: $no)
      ... @skip(if: $no) { participants { displayName } }
    }
  }
  fragment Parts on Chatroom { participants { id } }`, { yes: true }],
  ['a connection page', '{ organizationChatrooms(organizationId: 1, first: 2) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }'],
  ['an enum variable with a typo', 'query($p: Provider!) { chatroomByProviderId(provider: $p, providerId: "1") { name } }', { p: 'POPSEL' }],
  ['a required variable missing', 'query($id: ID!) { chatroom(id: $id) { name } }', {}],
  ['a variable of the wrong type', 'query($first: Int) { organizationChatrooms(organizationId: 1, first: $first) { totalCount } }', { first: 'two' }],
  ['introspection next to data', '{ __schema { queryType { name } } __type(name: "Provider") { enumValues { name } } chatroomByProviderId(provider: IWERP, providerId: "2") { name } }'],
  ['a named operation among several', 'query A { chatroomByProviderId(provider: IWERP, providerId: "1") { name } } query B { messageByProviderId(provider: IWERP, providerId: "2") { text } }'],
  ['a fragment spread under @include(if: false) in one field and unconditionally in another', `{
    a: chatroomByProviderId(provider: IWERP, providerId: "1") { ...Name @include(if: false) }
    b: chatroomByProviderId(provider: IWERP, providerId: "2") { ...Name }
  }
  fragment Name on Chatroom { name }`],
  ['fields in a fragment of a field skipped where the same field is also selected unskipped', '{ messageByProviderId(provider: IWERP, providerId: "1") { chatroom { name } chatroom @include(if: false) { ... { participants { id } } } } }'],
  ['a field whose first occurrence is skipped, in the order of its first included one', '{ chatroomByProviderId(provider: IWERP, providerId: "1") { name @skip(if: true) id name } }'],
  ['@include on a field with a defaulted Boolean variable sent as null', 'query($yes: Boolean = true) { chatroomByProviderId(provider: IWERP, providerId: "1") { name @include(if: $yes) } }', { yes: null }],
  ['@skip on a root field with a defaulted Boolean variable sent as null', 'query($no: Boolean = false) { chatroomByProviderId(provider: IWERP, providerId: "1") @skip(if: $no) { name } }', { no: null }],
  ['a defaulted variable sent as null as an item of a list of non-null IDs', `query($id: ID = "${room('IWERP', '1')}") { chatrooms(ids: [$id]) { id } }`, { id: null }],
  ['errors in graphql-js\'s order when one of them nulls the parent', '{ messageByProviderId(provider: IWERP, providerId: "3") { chatroom { participants { id } } author { displayName } } }', {}, DEMO_HEADERS,
    { vendor: 'iwerp', rule: { route: '/api/chat/chatroom/', fault: { kind: 'status', status: 500 } } }],
];

/** Runs of compiled queries, counted by wrapping what graphql-jit compiles. */
const compiledRuns = vi.hoisted(() => ({ count: 0 }));
vi.mock('graphql-jit', async (original) => {
  const jit = await original<typeof import('graphql-jit')>();
  return {
    ...jit,
    compileQuery: ((...args) => {
      const compiled = jit.compileQuery(...args);
      if (!('query' in compiled)) return compiled;
      const run = compiled.query;
      return Object.assign(compiled, { query: (...runArgs: Parameters<typeof run>) => ((compiledRuns.count += 1), run(...runArgs)) });
    }) as typeof jit.compileQuery,
  };
});

/** The documents that stay on yoga's executor (src/plugins/compiledQueries.ts, compilable). */
const uncompiled = (query: string) => /@(skip|include)\b/.test(query) || /\[\s*\$/.test(query);

let simulators: Simulators;
let graphqlJs: TestGateway;
let compiled: TestGateway;

beforeAll(async () => {
  simulators = await startSimulators({ record: true });
  [graphqlJs, compiled] = await Promise.all([
    startGateway({ simulators, env: { COMPILED_QUERIES: 'false' } }),
    startGateway({ simulators }),
  ]);
});

afterAll(async () => {
  await Promise.all([graphqlJs?.close(), compiled?.close()]);
  await simulators?.close();
});

/** The response's exact text and the vendor calls it made. */
async function answer(gateway: TestGateway, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  gateway.resetCalls();
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    // The last of several operations, where there are several.
    body: JSON.stringify({ query, variables, operationName: query.startsWith('query A') ? 'B' : undefined }),
  });
  const calls = (['iwerp', 'popsell', 'messenger'] as const).flatMap((vendor) => gateway.vendorRequests(vendor).map((r) => `${vendor} ${r.path}`));
  return { status: response.status, body: await response.text(), calls: calls.sort() };
}

describe("compiled queries answer as yoga's executor does", () => {
  it.each(CASES)('%s', async (_, query, variables = {}, headers = DEMO_HEADERS, fault) => {
    if (fault) simulators[fault.vendor].inject(fault.rule);
    try {
      const expected = await answer(graphqlJs, query, variables, headers);
      compiledRuns.count = 0;
      for (let run = 0; run < 3; run++) expect(await answer(compiled, query, variables, headers)).toEqual(expected);
      expect(compiledRuns.count).toBe(uncompiled(query) ? 0 : 2);
    } finally {
      if (fault) simulators[fault.vendor].clearFaults();
    }
  });

  it('an operation answers alike whether or not another operation of its document was compiled before', async () => {
    const query = `query A { chatroomByProviderId(provider: IWERP, providerId: "1") { ...Name @include(if: false) id } }
    query B { chatroomByProviderId(provider: IWERP, providerId: "1") { ...Name } }
    fragment Name on Chatroom { name }`;
    const run = async (gateway: TestGateway, operationName: string) =>
      (await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS }, body: JSON.stringify({ query, operationName }) })).text();
    const expected = await run(graphqlJs, 'B');
    for (let i = 0; i < 2; i++) await run(compiled, 'A');
    for (let i = 0; i < 2; i++) expect(await run(compiled, 'B')).toBe(expected);
  });

  it('counts its compilations for operators in /metrics', async () => {
    const metrics = await (await fetch(new URL('/metrics', compiled.url))).text();
    expect(metrics).toMatch(/^gateway_query_compilations_total\{outcome="compiled"\} [1-9]\d*$/m);
  });
});
