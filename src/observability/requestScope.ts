import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';

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

const requestIdOf = (request: Request) => {
  const incoming = request.headers.get('x-request-id');
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
};

/**
 * Echoes each request's id in the x-request-id response header and, when the logger logs per
 * request (debug or trace: vendor requests, their failures), runs the request inside its scope so
 * those lines carry the id. At info and above nothing is logged per request but a masked error, so
 * the scope is not kept: an AsyncLocalStorage in use turns on Node's promise hooks for every
 * promise of the process, several per cent of an operation's CPU under load (docs/operations.md).
 */
export function useRequestScope(logger: Pick<Logger, 'isLevelEnabled'>): Plugin {
  if (!logger.isLevelEnabled('debug')) {
    return {
      onResponse({ request, response }) {
        response.headers.set('x-request-id', requestIdOf(request));
      },
    };
  }
  return {
    instrumentation: {
      request({ request }, wrapped) {
        return requestScope.run({ requestId: requestIdOf(request) }, wrapped);
      },
    },
    onResponse({ response }) {
      const scope = requestScope.getStore();
      if (scope) response.headers.set('x-request-id', scope.requestId);
    },
  };
}
