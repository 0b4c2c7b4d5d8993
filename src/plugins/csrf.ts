import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { CREDENTIAL_HEADERS } from '../upstreams/credentials.js';

/**
 * Headers a page can only send cross-site after a CORS preflight (CONTRACT.md, "HTTP surface"):
 * yoga's CSRF header, the GraphQL-over-HTTP one, and every credential header, so a client that
 * sends its credential (urql's GET queries) needs nothing more.
 */
const PREFLIGHT_HEADERS = ['x-graphql-yoga-csrf', 'graphql-preflight', ...CREDENTIAL_HEADERS];

/**
 * Browser "simple" requests (GET, form and multipart posts) need one of PREFLIGHT_HEADERS. yoga's
 * plugin decides; its refusal is reworded to name the header to add and coded BAD_REQUEST.
 */
export function useCsrfPrevention(): Plugin {
  const { onRequestParse } = useCSRFPrevention({ requestHeaders: PREFLIGHT_HEADERS });
  return {
    onRequestParse(payload) {
      try {
        return onRequestParse?.(payload);
      } catch {
        throw createGraphQLError(
          'A GET, form or multipart request needs a header a browser sends only after a CORS preflight: add "x-graphql-yoga-csrf: 1" (or graphql-preflight, or your credential header).',
          { extensions: { code: 'BAD_REQUEST', http: { status: 403 } } },
        );
      }
    },
  };
}
