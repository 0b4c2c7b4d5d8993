import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { useGateway } from '../helpers/gateway.js';

const gw = useGateway();

const ROOM = 'chatroomByProviderId(provider: IWERP, providerId: "1")';
const repeat = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(' ');
const deepType = (levels: number): string => (levels === 0 ? 'name' : `ofType { ${deepType(levels - 1)} }`);

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(gw().url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS, ...headers }, body });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
}

describe('limits refuse a request before any vendor call', () => {
  it.each([
    ['depth', `{ ${ROOM} { name } __type(name: "Chatroom") { fields { type { ${deepType(12)} } } } }`, /depth/i],
    ['aliases', `{ ${repeat(51, (i) => `a${i}: ${ROOM} { name }`)} }`, /aliases/i],
    ['tokens', `{ ${ROOM} { ${repeat(3000, () => 'name')} } }`, /token/i],
    [
      'cost',
      `{ ${repeat(3, (i) => `p${i}: organizationChatrooms(organizationId: 1, first: 100) { totalCount edges { cursor node { id name kind participants { displayName } capabilities { canSendMessage } } } pageInfo { hasNextPage endCursor } }`)} }`,
      /cost/i,
    ],
    ['directives', `{ ${ROOM} { name ${repeat(21, () => '@include(if: true)')} } }`, /directives/i],
  ])('%s', async (_, query, message) => {
    const res = await post(JSON.stringify({ query }));
    expect(res.body.errors?.[0]?.message).toMatch(message);
    // The token limit is checked while parsing, the others while validating.
    expect(res.body.errors?.[0]?.extensions?.code).toMatch(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/);
    expect(res.body.data).toBeUndefined();
    expect(gw().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
  });

  it('more fragments than MAX_FRAGMENTS, refused before they are validated', async () => {
    // An attacker's pass: 330 one-field fragments (15 KB, under 3,000 tokens) took 320–700 ms of
    // validation each, a random comment defeating the caches. Timing is no test; the refusal's
    // message, from before validation, is.
    const fragments = (n: number, salt: string) =>
      `{ ${repeat(n, (i) => `...F${i}`)} } ${repeat(n, (i) => `fragment F${i} on Query { __typename }`)} # ${salt}`;
    const refused = await post(JSON.stringify({ query: fragments(330, 'a') }));
    expect(refused.body.errors).toEqual([{ message: 'A document may hold at most 64 fragments, named or inline; this one holds 330.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
    expect((await post(JSON.stringify({ query: fragments(64, 'b') }))).body).toEqual({ data: { __typename: 'Query' } });
    // Inline ones too (the next pass: 350 took 430-665 ms).
    const inline = await post(JSON.stringify({ query: `{ ${repeat(65, () => '... on Query { __typename }')} }` }));
    expect(inline.body.errors?.[0]?.message).toBe('A document may hold at most 64 fragments, named or inline; this one holds 65.');
  });

  describe("cost counts a connection's page size wherever it is given", () => {
    // A reviewer's finding: GraphQL Armor multiplies a connection's cost by a literal first only;
    // in a variable, or left to its default (10), it counted 1, and 40 aliased pages of 100 rooms
    // (80 vendor calls, a 2.1 MB answer) ran from one 4 KB request.
    const page = (first: string) => `organizationChatrooms(organizationId: 3${first}) { totalCount edges { cursor node { id name kind participants { displayName } capabilities { canSendMessage } } } pageInfo { hasNextPage endCursor } }`;
    it.each([
      ['in a variable', `query($n: Int) { ${repeat(3, (i) => `p${i}: ${page(', first: $n')}`)} }`, { n: 100 }],
      ["in a variable's default", `query($n: Int = 100) { ${repeat(3, (i) => `p${i}: ${page(', first: $n')}`)} }`, {}],
      // Found rereading a reviewer's fix: an unsent variable named after an Object.prototype member
      // was read as that member, not as its default.
      ["in the default of a variable named constructor", `query($constructor: Int = 100) { ${repeat(3, (i) => `p${i}: ${page(', first: $constructor')}`)} }`, {}],
      ['left to its default', `{ ${repeat(40, (i) => `p${i}: ${page('')}`)} }`, {}],
      ['in a variable, through a fragment', `query($n: Int) { ...Pages } fragment Pages on Query { ${repeat(3, (i) => `p${i}: ${page(', last: $n')}`)} }`, { n: 100 }],
      // The next reviewer: Armor reads the first of first and last, the field pages by last.
      ['as last, after first: null', `{ ${repeat(40, (i) => `p${i}: ${page(', first: null, last: 100')}`)} }`, {}],
      ['as last, after a first left unset', `query($f: Int) { ${repeat(3, (i) => `p${i}: ${page(', first: $f, last: 100')}`)} }`, {}],
      ['as last in a variable, after a first left unset', `query($f: Int, $l: Int) { ${repeat(3, (i) => `p${i}: ${page(', first: $f, last: $l')}`)} }`, { l: 100 }],
    ])('%s', async (_, query, variables) => {
      const res = await post(JSON.stringify({ query, variables }));
      expect(res.body.errors?.[0]?.message).toMatch(/^Syntax Error: Query Cost limit of 10000 exceeded, found \d+/);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.body.data).toBeUndefined();
      expect(gw().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
    });

    // The same reviewer's second reading: the page sizes were cached by their text, and the
    // defaults read from every operation of the document.
    it('whatever the same document was sent with before: a page size of "100", refused as no Int, does not let 100 through', async () => {
      const query = `query($n: Int) { ${repeat(3, (i) => `p${i}: ${page(', first: $n')}`)} } # text first`;
      expect((await post(JSON.stringify({ query, variables: { n: '100' } }))).body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Variable "\$n" got invalid value "100"/), extensions: { code: 'BAD_USER_INPUT' } });
      const res = await post(JSON.stringify({ query, variables: { n: 100 } }));
      expect(res.body.errors?.[0]?.message).toMatch(/^Syntax Error: Query Cost limit of 10000 exceeded/);
      expect(gw().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
    });

    it("with the defaults of the operation that runs, not another's, and scoring that operation alone", async () => {
      const heavy = repeat(3, (i) => `p${i}: ${page(', first: $n')}`);
      const query = `query A($n: Int = 100) { ${heavy} } query B($n: Int = 1) { organizationChatrooms(organizationId: 3, first: $n) { totalCount } }`;
      expect((await post(JSON.stringify({ query, operationName: 'A' }))).body.errors?.[0]?.message).toMatch(/^Syntax Error: Query Cost limit/);
      const light = `query A { organizationChatrooms(organizationId: 3) { totalCount } } query B($n: Int = 100) { ${heavy} }`;
      expect((await post(JSON.stringify({ query: light, operationName: 'A' }))).body).toEqual({ data: { organizationChatrooms: { totalCount: expect.any(Number) } } });
    });

    it('a page size no string can be made of is refused as any variable of the wrong type, not a 500', async () => {
      const res = await post(JSON.stringify({ query: `query($n: Int) { ${page(', first: $n')} }`, variables: { n: { toString: 1 } } }));
      expect(res.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Variable "\$n" got invalid value/), extensions: { code: 'BAD_USER_INPUT' } });
    });

    // An attacker's pass: one IW-ERP room 100 times in nodes(ids:), with 49 aliased participant
    // lists, made a 15.5 MB answer of a 17 KB request, cost 4,690 to Armor; a few such requests
    // ran the heap out. A list argument's length multiplies as a page size does.
    it.each([
      ['literal', (ids: string) => `{ nodes(ids: ${ids}) { ...Heavy } }`, {}],
      ['in a variable', () => 'query($ids: [ID!]!) { nodes(ids: $ids) { ...Heavy } }', 'ids'],
    ])('the length of a list argument (%s), repeated IDs included', async (_, make, variable) => {
      const room = Buffer.from('Chatroom:IWERP:1').toString('base64url');
      const ids = Array(100).fill(room);
      const heavy = `fragment Heavy on Chatroom { ${repeat(20, (i) => `p${i}: participants { displayName firstName lastName avatarUrl }`)} }`;
      const query = `${make(JSON.stringify(ids))} ${heavy}`;
      const res = await post(JSON.stringify({ query, variables: typeof variable === 'string' ? { [variable]: ids } : {} }));
      expect(res.body.errors?.[0]?.message).toMatch(/^Syntax Error: Query Cost limit of 10000 exceeded/);
      expect(gw().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
    });

    it('and runs the same operation with pages the cost allows', async () => {
      const query = `query($n: Int) { ${repeat(3, (i) => `p${i}: ${page(', first: $n')}`)} }`;
      const res = await post(JSON.stringify({ query, variables: { n: 5 } }));
      expect(res.body.errors).toBeUndefined();
      expect(Object.values(res.body.data as Record<string, { edges: unknown[] }>).map((p) => p.edges.length)).toEqual([5, 5, 5]);
    });

    it('and a small page backward, first left unset', async () => {
      const res = await post(JSON.stringify({ query: `query($f: Int) { ${repeat(3, (i) => `p${i}: ${page(', first: $f, last: 5')}`)} }` }));
      expect(res.body.errors).toBeUndefined();
      expect(Object.values(res.body.data as Record<string, { edges: unknown[] }>).map((p) => p.edges.length)).toEqual([5, 5, 5]);
    });
  });

  it('a page larger than MAX_PAGE_SIZE', async () => {
    const res = await post(JSON.stringify({ query: '{ organizationChatrooms(organizationId: 1, first: 1000) { totalCount } }' }));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw().calls().messenger).toBe(0);
  });

  it('a body larger than MAX_REQUEST_BYTES: 413', async () => {
    const res = await post(JSON.stringify({ query: `{ ${ROOM} { name } }`, variables: { pad: 'x'.repeat(1024 * 1024) } }));
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(gw().calls().iwerp).toBe(0);
  });

  it('a streamed body without Content-Length: 411 before it is read', async () => {
    const chunk = new TextEncoder().encode(JSON.stringify({ query: `{ ${ROOM} { name } }` }));
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(gw().url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS }, body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(411);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('BAD_REQUEST');
    expect(gw().calls().iwerp).toBe(0);
  });

  it('batched operations', async () => {
    const res = await post(JSON.stringify([{ query: `{ ${ROOM} { name } }` }, { query: `{ ${ROOM} { name } }` }]));
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(gw().calls().iwerp).toBe(0);
  });

  it('an upload beyond what any avatar may be: 413 before it is read', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: 'mutation($a: Upload) { setChatroomAvatar(id: "x", avatar: $a) { id } }', variables: { a: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.a'] }));
    form.set('0', new Blob([new Uint8Array(7 * 1024 * 1024)], { type: 'image/png' }), 'big.png');
    const response = await fetch(gw().url, { method: 'POST', headers: { ...DEMO_HEADERS, 'x-graphql-yoga-csrf': '1' }, body: form });
    expect(response.status).toBe(413);
    expect(gw().calls().messenger).toBe(0);
  });

  it('still serves the heaviest documented query (20 messages with their room)', async () => {
    const query = `{ ${repeat(20, (i) => `m${i}: messageByProviderId(provider: IWERP, providerId: "${i + 1}") { text author { displayName firstName } chatroom { name participants { displayName } } }`)} }`;
    const res = await post(JSON.stringify({ query }));
    expect(res.body.errors).toBeUndefined();
  });
});

describe('MAX_FRAGMENTS and the trusted manifest', () => {
  // A reviewer's finding: a manifest document (built with the app, Relay composing many fragments)
  // was refused at run time after an upgrade, though nothing can vary its text.
  const fragments = (name: string) => `query ${name} { ...A ...B } fragment A on Query { __typename } fragment B on Query { __typename }`;
  const trusted = fragments('Trusted');
  const sha256 = createHash('sha256').update(trusted).digest('hex');
  const manifest = join(mkdtempSync(join(tmpdir(), 'chat-gateway-manifest-')), 'persisted-documents.json');
  writeFileSync(manifest, JSON.stringify({ [sha256]: trusted }));
  const withManifest = useGateway({ env: { PERSISTED_DOCUMENTS_FILE: manifest, MAX_FRAGMENTS: '1' } });
  const send = async (body: object) =>
    (await fetch(withManifest().url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS }, body: JSON.stringify(body) })).json();

  it('holds for documents a client sends, not for those of the manifest', async () => {
    expect(await send({ documentId: `sha256:${sha256}` })).toEqual({ data: { __typename: 'Query' } });
    expect(await send({ query: fragments('Sent') })).toEqual({ errors: [{ message: 'A document may hold at most 1 fragments, named or inline; this one holds 2.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  });
});
