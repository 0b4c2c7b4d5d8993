/**
 * Mesh Compose config of the benchmark's peer: one OpenAPI subgraph per vendor, straight from our
 * own vendor documents. bench/peer.ts runs `mesh-compose` with the simulators' base URLs in the
 * environment, so the endpoints are fixed in the supergraph at compose time (nothing is fetched:
 * the documents are local files). Each vendor gets the client's credential headers forwarded as
 * the vendor expects them; `{context.headers[...]}` is interpolated per request by the gateway.
 * The three documents share type and operation names (Chatroom, getChatroom), so each subgraph's
 * types and root fields get the vendor's prefix, as a user composing them would do.
 */
import { createPrefixTransform, defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

/** The base URL without a trailing slash: the documents' paths start with one. */
const endpoint = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (bench/peer.ts sets it)`);
  return value.replace(/\/+$/, '');
};

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('IWERP', {
        source: '../../schema/upstreams/iwerp.yaml',
        endpoint: endpoint('IWERP_BASE_URL'),
        operationHeaders: { 'x-session-token': "{context.headers['x-session-token']}" },
      }),
      transforms: [createPrefixTransform({ value: 'iwerp_', includeRootOperations: true })],
    },
    {
      sourceHandler: loadOpenAPISubgraph('Popsell', {
        source: '../../schema/upstreams/popsell.yaml',
        // Includes the document's base path, /api/v2.
        endpoint: endpoint('POPSELL_BASE_URL'),
        operationHeaders: {
          authorization: "{context.headers['authorization']}",
          'X-Popsell-Brand': "{context.headers['x-popsell-brand']}",
        },
      }),
      transforms: [createPrefixTransform({ value: 'popsell_', includeRootOperations: true })],
    },
    {
      sourceHandler: loadOpenAPISubgraph('Messenger', {
        source: '../../schema/upstreams/messenger.yaml',
        endpoint: endpoint('MESSENGER_BASE_URL'),
        operationHeaders: { 'API-TOKEN': "{context.headers['api-token']}" },
      }),
      transforms: [createPrefixTransform({ value: 'messenger_', includeRootOperations: true })],
    },
  ],
});
