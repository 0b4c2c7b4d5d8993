/**
 * Per request: credentials, loaders, request id and logger. Built for every request in
 * createContext, never kept in a module: a shared loader would serve one caller's data to another.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { YogaInitialContext } from 'graphql-yoga';
import type { Config } from './config.js';
import { requestScope } from './observability/requestScope.js';
import { createLoaders, type Loaders } from './loaders/createLoaders.js';
import type { Provider } from './model/provider.js';
import type { ChatAdapter } from './upstreams/adapter.js';
import { credentialsFromHeaders, type Credentials } from './upstreams/credentials.js';
import type { MessengerAdapter } from './upstreams/messenger/index.js';

/** The vendor adapters, created once at start and shared by every request. */
export interface Adapters extends Readonly<Record<Provider, ChatAdapter>> {
  readonly MESSENGER: MessengerAdapter;
}

export interface Context {
  requestId: string;
  logger: Logger;
  credentials: Credentials;
  loaders: Loaders;
  adapters: Adapters;
  maxPageSize: number;
  avatarMaxBytes: number;
}

export interface ContextDeps {
  config: Pick<Config, 'iwerp' | 'maxPageSize' | 'avatarMaxBytes'>;
  adapters: Adapters;
  logger: Logger;
}

export function createContextFactory(deps: ContextDeps) {
  return ({ request }: YogaInitialContext): Context => {
    // The scope is set by useRequestScope for every HTTP request; a bare execution gets its own id.
    const requestId = requestScope.getStore()?.requestId ?? randomUUID();
    const credentials = credentialsFromHeaders(request.headers, deps.config.iwerp);
    return {
      requestId,
      logger: deps.logger,
      credentials,
      loaders: createLoaders(deps.adapters, credentials),
      adapters: deps.adapters,
      maxPageSize: deps.config.maxPageSize,
      avatarMaxBytes: deps.config.avatarMaxBytes,
    };
  };
}
