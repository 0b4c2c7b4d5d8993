import type { Plugin } from 'graphql-yoga';

/** GET / (someone typing the host into a browser): a redirect to the endpoint, where GraphiQL is. */
export function useRootRedirect(endpoint: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/' || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: endpoint } }));
    },
  };
}
