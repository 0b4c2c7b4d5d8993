/** Suggestions in errors follow INTROSPECTION: shown while the schema is public, gone with it. */
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { useGateway } from '../helpers/gateway.js';

const TYPO_FIELD = '{ chatroomByProviderId(provider: IWERP, providerId: "1") { nam } }';
const TYPO_ENUM = '{ chatroomByProviderId(provider: IWERPP, providerId: "1") { name } }';
const TYPO_VARIABLE = ['query($p: Provider!) { chatroomByProviderId(provider: $p, providerId: "1") { name } }', { p: 'POPSEL' }] as const;
const INTROSPECT = '{ __schema { queryType { name } } }';

describe('INTROSPECTION on (the default)', () => {
  const gateway = useGateway();

  it('answers introspection, and errors suggest fields and enum values', async () => {
    expect((await gateway().query(INTROSPECT)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await gateway().query(TYPO_FIELD)).errors?.[0]?.message).toBe('Cannot query field "nam" on type "Chatroom". Did you mean "name"?');
    expect((await gateway().query(TYPO_ENUM)).errors?.[0]?.message).toContain('Did you mean the enum value "IWERP"?');
    expect((await gateway().query(...TYPO_VARIABLE)).errors?.[0]?.message).toContain('Did you mean the enum value "POPSELL"?');
  });
});

describe('INTROSPECTION=false', () => {
  const gateway = useGateway({ env: { INTROSPECTION: 'false' } });

  it('refuses introspection, and errors suggest nothing, in the document or in variables', async () => {
    const introspection = await gateway().query(INTROSPECT);
    expect(introspection.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(introspection.errors?.[0]?.message).toContain('introspection');
    expect((await gateway().query(TYPO_FIELD)).errors?.[0]).toMatchObject({
      message: 'Cannot query field "nam" on type "Chatroom".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    for (const response of [await gateway().query(TYPO_ENUM), await gateway().query(...TYPO_VARIABLE)]) {
      expect(response.errors?.[0]?.message).toMatch(/does not exist in "Provider" enum\.$/);
    }
    expect(gateway().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
  });

  it('over WebSocket too, whose answers pass no HTTP result processing', async () => {
    const client = createClient({ url: gateway().url.href.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: DEMO_HEADERS, retryAttempts: 0 });
    // A refusal in validation comes as graphql-ws's `error` message, one for its variables as a
    // result with errors: their errors, as the client hands them over.
    const refusal = (query: string, variables?: Record<string, unknown>) =>
      new Promise<readonly { message: string }[]>((resolve, reject) => {
        client.subscribe(
          { query, variables },
          { next: (result) => resolve(result.errors ?? []), error: (errors) => resolve(errors as { message: string }[]), complete: () => reject(new Error('completed')) },
        );
      });
    try {
      expect((await refusal(TYPO_FIELD)).map((e) => e.message)).toEqual(['Cannot query field "nam" on type "Chatroom".']);
      for (const errors of [await refusal(TYPO_ENUM), await refusal(...TYPO_VARIABLE)]) {
        expect(errors[0]?.message).toMatch(/does not exist in "Provider" enum\.$/);
      }
    } finally {
      await client.dispose();
    }
  });
});
