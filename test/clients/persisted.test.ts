/**
 * Persisted operations with the clients' own output: Apollo's PersistedQueryLink (Automatic
 * Persisted Queries) over POST and GET, and the trusted-documents manifest that codegen's client
 * preset writes (test/clients/gql/persisted-documents.json) under PERSISTED_DOCUMENTS_ONLY.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ApolloClient, HttpLink, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { useGateway } from '../helpers/gateway.js';
import { TrustedRoomDocument } from './gql/graphql.js';
import { apolloCache, captureConsole } from './setup.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ROOM_ID = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '12' });
const roomQuery = (name: string) => gql(`query ${name}($id: ID!) { chatroom(id: $id) { id name } }`);
const ROOM = roomQuery('PersistedRoom');

/** Every request the client sends: its method and whether it carried the document. */
function recordingFetch() {
  const sent: { method: string; withDocument: boolean }[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { query?: string }) : undefined;
    sent.push({ method: init?.method ?? 'GET', withDocument: Boolean(body?.query ?? url.searchParams.get('query')) });
    return fetch(input, init);
  };
  return { sent, fetchFn };
}

describe('Automatic Persisted Queries with Apollo’s PersistedQueryLink', () => {
  const gateway = useGateway();
  const output = captureConsole();
  const apollo = (fetchFn: typeof fetch, useGETForHashedQueries: boolean) =>
    new ApolloClient({
      cache: apolloCache(),
      link: new PersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
        // GET needs a CSRF preflight header: the credential headers are one.
        new HttpLink({ uri: gateway().url.href, headers: DEMO_HEADERS, fetch: fetchFn }),
      ),
    });

  it.each([
    ['POST', false],
    ['GET', true],
  ])('over %s: the first client registers the document, the next sends only its hash', async (method, useGET) => {
    // A document of its own, which this gateway has not seen yet.
    const query = roomQuery(`Room${method}`);
    const variables = { id: ROOM_ID };
    const first = recordingFetch();
    const room = { chatroom: { __typename: 'Chatroom', id: ROOM_ID, name: 'Team 12' } };
    expect((await apollo(first.fetchFn, useGET).query({ query, variables })).data).toEqual(room);
    // The hash alone, answered PERSISTED_QUERY_NOT_FOUND; then the document with its hash (always POST).
    expect(first.sent).toEqual([
      { method, withDocument: false },
      { method: 'POST', withDocument: true },
    ]);
    const next = recordingFetch();
    expect((await apollo(next.fetchFn, useGET).query({ query, variables })).data).toEqual(room);
    expect(next.sent).toEqual([{ method, withDocument: false }]);
    expect(output.lines).toEqual([]);
  });

  it('a hash that does not match its document is refused, coded', async () => {
    const response = await fetch(gateway().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...DEMO_HEADERS },
      body: JSON.stringify({ query: print(ROOM), variables: { id: ROOM_ID }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('another document') } } }),
    });
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('PERSISTED_QUERY_MISMATCH');
  });

  it('so is one over a WebSocket, where it ran (an attacker\'s pass), and the socket stays open', async () => {
    const url = new URL(gateway().url);
    url.protocol = 'ws:';
    const client = createClient({ url: url.href, webSocketImpl: WebSocket, connectionParams: DEMO_HEADERS, retryAttempts: 0 });
    try {
      const run = (sha256Hash: string) =>
        new Promise<unknown>((resolve) => {
          client.subscribe({ query: print(ROOM), variables: { id: ROOM_ID }, extensions: { persistedQuery: { version: 1, sha256Hash } } }, { next: resolve, error: resolve, complete: () => undefined });
        });
      expect(await run(sha256('another document'))).toEqual([expect.objectContaining({ message: 'PersistedQueryMismatch', extensions: { code: 'PERSISTED_QUERY_MISMATCH' } })]);
      expect(await run(sha256(print(ROOM)))).toEqual({ data: { chatroom: { id: ROOM_ID, name: 'Team 12' } } });
    } finally {
      await client.dispose();
    }
  });
});

describe('trusted documents: PERSISTED_DOCUMENTS_ONLY with the client preset’s manifest', () => {
  const manifest = fileURLToPath(new URL('./gql/persisted-documents.json', import.meta.url));
  const gateway = useGateway({ env: { PERSISTED_DOCUMENTS_FILE: manifest, PERSISTED_DOCUMENTS_ONLY: 'true' } });
  const hash = (TrustedRoomDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
  const post = async (body: object) => {
    const response = await fetch(gateway().url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] } };
  };

  it('runs a manifest document sent by its documentId, as the client preset sends it', async () => {
    const { body } = await post({ documentId: hash, variables: { id: ROOM_ID } });
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ chatroom: { id: ROOM_ID, name: 'Team 12' } });
  });

  it('runs it by a documentId in a GET’s query string', async () => {
    const url = new URL(gateway().url);
    url.searchParams.set('documentId', hash);
    url.searchParams.set('variables', JSON.stringify({ id: ROOM_ID }));
    const response = await fetch(url, { headers: DEMO_HEADERS });
    expect(await response.json()).toMatchObject({ data: { chatroom: { id: ROOM_ID, name: 'Team 12' } } });
  });

  it('runs it by Apollo’s extensions.persistedQuery too', async () => {
    const sha256Hash = hash.replace('sha256:', '');
    const { body } = await post({ extensions: { persistedQuery: { version: 1, sha256Hash } }, variables: { id: ROOM_ID } });
    expect(body.data).toMatchObject({ chatroom: { name: 'Team 12' } });
  });

  it.each([
    ['any other document', { query: print(TrustedRoomDocument), variables: { id: ROOM_ID } }, 400, 'BAD_REQUEST'],
    ['a document registered with its hash (APQ is off)', { query: print(ROOM), variables: { id: ROOM_ID }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(print(ROOM)) } } }, 400, 'BAD_REQUEST'],
    ['a hash not in the manifest', { documentId: `sha256:${sha256('query { __typename }')}` }, 404, 'PERSISTED_QUERY_NOT_FOUND'],
  ])('refuses %s, coded, without a vendor call', async (_, body, status, code) => {
    const answer = await post(body);
    expect(answer.status).toBe(status);
    expect(answer.body.errors?.[0]?.extensions.code).toBe(code);
    expect(answer.body.errors?.[0]?.message).toMatch(/trusted documents only/);
    // How to send one, as the README leads with it (a new user's pass: only Apollo's way was named).
    if (status === 400) expect(answer.body.errors?.[0]?.message).toContain('documentId ("sha256:<hex>")');
    expect(gateway().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
  });
});

describe('trusted documents beside APQ: PERSISTED_DOCUMENTS_FILE without PERSISTED_DOCUMENTS_ONLY', () => {
  const manifest = fileURLToPath(new URL('./gql/persisted-documents.json', import.meta.url));
  const gateway = useGateway({ env: { PERSISTED_DOCUMENTS_FILE: manifest } });
  const hash = (TrustedRoomDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
  const room = { chatroom: { id: ROOM_ID, name: 'Team 12' } };

  it('runs a manifest document sent by its documentId in a POST body', async () => {
    const response = await fetch(gateway().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...DEMO_HEADERS },
      body: JSON.stringify({ documentId: hash, variables: { id: ROOM_ID } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: room });
  });

  it('runs it by a documentId in a GET’s query string, as it runs a GET’s query', async () => {
    const url = new URL(gateway().url);
    url.searchParams.set('documentId', hash);
    url.searchParams.set('variables', JSON.stringify({ id: ROOM_ID }));
    const response = await fetch(url, { headers: DEMO_HEADERS });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: room });
  });

  it('refuses a documentId that is not in the manifest, coded, without a vendor call', async () => {
    const response = await fetch(gateway().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...DEMO_HEADERS },
      body: JSON.stringify({ documentId: `sha256:${sha256('query { __typename }')}` }),
    });
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(gateway().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
  });
});
