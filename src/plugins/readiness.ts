import type { Plugin } from 'graphql-yoga';
import type { Upstream } from '../http/upstream.js';
import { PROVIDERS, type Provider } from '../model/provider.js';

/**
 * GET /readiness: 200 while the gateway should get traffic, 503 once it drains for shutdown. The
 * body reports each vendor's circuit breaker and whether its live polls run or wait for a breaker
 * (with the poll worker, its own breaker counts too, which queries never meet); neither makes the
 * gateway unready, since the other vendors' fields still answer (the contract's partial data).
 */
export function useReadiness(
  upstreams: Partial<Record<Provider, Upstream>>,
  pollsPaused: (provider: Provider) => boolean,
  lifecycle: { draining: boolean },
): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/readiness' || request.method !== 'GET') return;
      const vendors = Object.fromEntries(
        PROVIDERS.map((provider) => {
          const upstream = upstreams[provider];
          return [provider, upstream ? { configured: true, breaker: upstream.breakerState(), polls: pollsPaused(provider) ? 'paused' : 'running' } : { configured: false }];
        }),
      );
      const status = lifecycle.draining ? 'draining' : 'ready';
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status, vendors }), {
          status: lifecycle.draining ? 503 : 200,
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
  };
}
