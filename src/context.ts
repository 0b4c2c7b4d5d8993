/**
 * Per request: credentials, loaders, request id and logger. Built for every request in
 * createContext, never kept in a module: a shared loader would serve one caller's data to another.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { YogaInitialContext } from 'graphql-yoga';
import type { Config } from './config.js';
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

/** A caller's x-request-id is kept when it is a plain token; anything else gets a fresh id. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createContextFactory(deps: ContextDeps) {
  return ({ request }: YogaInitialContext): Context => {
    const incoming = request.headers.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const credentials = credentialsFromHeaders(request.headers, deps.config.iwerp);
    return {
      requestId,
      logger: deps.logger.child({ requestId }),
      credentials,
      loaders: createLoaders(deps.adapters, credentials),
      adapters: deps.adapters,
      maxPageSize: deps.config.maxPageSize,
      avatarMaxBytes: deps.config.avatarMaxBytes,
    };
  };
}
