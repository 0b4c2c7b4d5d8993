import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

export interface RequestScope {
  requestId: string;
}

/**
 * The request a piece of work belongs to, wherever it runs (resolvers, loaders, vendor calls):
 * every log line carries its id without passing a logger through every layer.
 */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** A caller's x-request-id is kept when it is a plain token; anything else gets a fresh id. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Runs each HTTP request inside its scope and echoes the id in the x-request-id response header. */
export function useRequestScope(): Plugin {
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const incoming = request.headers.get('x-request-id');
        return requestScope.run({ requestId: incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID() }, wrapped);
      },
    },
    onResponse({ response }) {
      const scope = requestScope.getStore();
      if (scope) response.headers.set('x-request-id', scope.requestId);
    },
  };
}
