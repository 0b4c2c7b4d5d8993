/**
 * Per request: credentials and loaders. Built for every request, never kept in a module: a shared
 * loader would serve one caller's data to another. (The request id lives in requestScope, which
 * every log line reads.)
 */
import type { YogaInitialContext } from 'graphql-yoga';
import type { Config } from './config.js';
import { Callers } from './http/callers.js';
import type { LiveRegistry } from './live/registry.js';
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
  credentials: Credentials;
  loaders: Loaders;
  adapters: Adapters;
  /** The shared poller behind subscriptions and @live queries. */
  live: LiveRegistry;
  maxPageSize: number;
  avatarMaxBytes: number;
  /**
   * Who waits for this request's work: its client, and the clients of identical queries that
   * joined its execution (useOperationDedup). Its signal fires when all of them have hung up; the
   * vendor reads no one else waits for are then abandoned.
   */
  callers: Callers;
  /**
   * Fires when the request's client has gone (an HTTP client hung up, a WebSocket closed): a live
   * feed ends then, whatever became of the stream that read it.
   */
  clientGone: AbortSignal;
  /** The response keys of a mutation's root fields whose writes were made, in order (recordAppliedWrites, useAppliedWrites). */
  appliedWrites?: string[];
}

export interface ContextDeps {
  config: Pick<Config, 'iwerp' | 'maxPageSize' | 'avatarMaxBytes'>;
  adapters: Adapters;
  live: LiveRegistry;
}

export function createContextFactory(deps: ContextDeps) {
  return ({ request }: YogaInitialContext): Context => {
    const credentials = credentialsFromHeaders(request.headers, deps.config.iwerp);
    // The client joins when the signal is first read (a vendor read): a request that joins
    // another's execution (useOperationDedup) never makes a controller, which with a listener per
    // request was ~4 % of the gateway's CPU under identical callers.
    const callers = new Callers(request.signal);
    return {
      credentials,
      loaders: createLoaders(deps.adapters, credentials, () => callers.signal),
      adapters: deps.adapters,
      live: deps.live,
      maxPageSize: deps.config.maxPageSize,
      avatarMaxBytes: deps.config.avatarMaxBytes,
      callers,
      clientGone: request.signal,
    };
  };
}
