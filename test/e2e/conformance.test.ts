import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/gateway.js';

const gw = useGateway();

/**
 * The audits' client, sending the CSRF preflight header our contract asks of every client for
 * GET (without it, a GET is 403 by design, and three "MAY" audits about GET would only notice).
 */
const withPreflight: typeof fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('graphql-preflight', '1');
  return fetch(input, { ...init, headers });
};

// graphql-http's GraphQL-over-HTTP conformance audits, against the real server: every one is ok.
describe('GraphQL over HTTP', () => {
  for (const audit of serverAudits({ url: () => gw().url.href, fetchFn: withPreflight })) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      expect(result.status, 'reason' in result ? result.reason : '').toBe('ok');
    });
  }
});
