/**
 * Persisted operations: Automatic Persisted Queries (Apollo's PersistedQueryLink: a client sends
 * a document's sha256 first and the document only when the gateway does not know it yet) and
 * trusted documents (a manifest of the frontend's documents, written by codegen's client preset).
 */
import { hash } from 'node:crypto';
import { createInMemoryAPQStore, useAPQ, type APQStore } from '@graphql-yoga/plugin-apq';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createRedisApqStore, type ClosableAPQStore } from './apqRedisStore.js';

export type PersistedOperationsConfig = Pick<Config, 'apqTtlMs' | 'apqMaxEntries' | 'redisUrl' | 'persistedDocuments' | 'persistedDocumentsOnly'>;

/**
 * With PERSISTED_DOCUMENTS_ONLY, only the manifest's documents run, by hash: any other document,
 * or a hash not in the manifest, is refused before parsing (so no vendor is called), and APQ is
 * off, since registering a document would let any document in. Otherwise APQ runs, its store in
 * Redis when REDIS_URL is set, and the manifest's documents are known to it from the start.
 */
export function usePersistedOperationsPolicy(config: PersistedOperationsConfig, logger: Logger): Plugin {
  const trusted = config.persistedDocuments;
  if (trusted && config.persistedDocumentsOnly) {
    const refusal = (message: string, code: string, status: number) => ({ message, extensions: { code, http: { status } } });
    return withDocumentId(usePersistedOperations({
      getPersistedOperation: (key) => trusted.get(key) ?? null,
      allowArbitraryOperations: false,
      customErrors: {
        notFound: refusal('This gateway runs trusted documents only, and this hash is not one of them.', 'PERSISTED_QUERY_NOT_FOUND', 404),
        persistedQueryOnly: refusal('This gateway runs trusted documents only: send the document\'s documentId ("sha256:<hex>") or its hash in extensions.persistedQuery, not the document.', 'BAD_REQUEST', 400),
        keyNotFound: refusal('This gateway runs trusted documents only: send the document\'s documentId ("sha256:<hex>") or its hash in extensions.persistedQuery.', 'BAD_REQUEST', 400),
      },
    }));
  }
  const registered: ClosableAPQStore = config.redisUrl
    ? createRedisApqStore(config.redisUrl, { ttlMs: config.apqTtlMs, maxEntries: config.apqMaxEntries }, logger)
    : Object.assign(createInMemoryAPQStore({ max: config.apqMaxEntries, ttl: config.apqTtlMs }), { close: async () => {} });
  const store: APQStore = trusted
    ? { get: (key) => trusted.get(key) ?? registered.get(key), set: (key, document) => registered.set(key, document) }
    : registered;
  return { ...withDocumentId(useAPQ({ store })), onDispose: () => registered.close() };
}

/**
 * A document sent over a WebSocket (serveWebSocket) with an Apollo hash that is not its own, refused
 * as useAPQ refuses it over HTTP: yoga's plugins never see a WebSocket's params, and such a
 * document ran (an attacker's pass). Nothing is registered from a WebSocket either way.
 */
export function persistedQueryMismatch(query: string, extensions: unknown): GraphQLError | undefined {
  const persisted = (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  if (persisted?.version !== 1 || typeof persisted.sha256Hash !== 'string') return undefined;
  if (hash('sha256', query, 'hex') === persisted.sha256Hash) return undefined;
  return new GraphQLError('PersistedQueryMismatch', { extensions: { code: 'PERSISTED_QUERY_MISMATCH' } });
}

/**
 * `plugin`, also reached by the client preset's convention of sending `documentId`
 * ("sha256:<hex>") instead of Apollo's `extensions.persistedQuery`: in a POST body, or in a GET's
 * query string, which yoga's parser does not read. It is taken out of the params, which yoga
 * otherwise refuses for a parameter it does not know.
 */
function withDocumentId(plugin: Plugin): Plugin {
  return {
    onParams({ params, request, setParams }) {
      const inBody = (params as { documentId?: unknown }).documentId;
      const documentId = inBody ?? (request.method === 'GET' && params.query === undefined ? new URL(request.url).searchParams.get('documentId') : undefined);
      if (typeof documentId !== 'string') return;
      const { documentId: _sent, ...rest } = params as typeof params & { documentId?: string };
      const sha256Hash = documentId.replace(/^sha256:/, '');
      setParams({ ...rest, extensions: { ...rest.extensions, persistedQuery: { version: 1, sha256Hash } } });
    },
    onPluginInit({ addPlugin }) {
      addPlugin(plugin);
    },
  };
}
