/** createGateway(deps) → the yoga instance: schema, context, plugins, masking. It never listens. */
import { GraphQLError, getOperationAST, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { CloseCode, handleProtocols, makeServer, MessageType, parseMessage, stringifyMessage, type OperationResult } from 'graphql-ws';
import { createYoga, type GraphiQLOptions } from 'graphql-yoga';
import { hash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, maxHeaderSize, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { sendNodeResponse } from '@whatwg-node/server';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { onceAMinute } from './logger.js';
import type { Config } from './config.js';
import { createContextFactory, type Adapters } from './context.js';
import type { Upstream } from './http/upstream.js';
import { useLiveQueries, withLiveQueryKeys } from './live/liveQuery.js';
import { createRedisCoordinator } from './live/redisCoordinator.js';
import { createPollWorker } from './live/pollWorkerClient.js';
import { createLiveRegistry, type LiveRegistry } from './live/registry.js';
import { encodeGlobalId } from './model/globalId.js';
import type { Provider, ProviderKey } from './model/provider.js';
import type { Metrics } from './observability/metrics.js';
import { useRequestScope } from './observability/requestScope.js';
import { useOperationSpans } from './observability/tracing.js';
import { useAcceptableAnswers, useStreamsAccepted } from './plugins/acceptable.js';
import { useAppliedWrites } from './plugins/appliedWrites.js';
import { useCompiledQueries, withSettledListItems } from './plugins/compiledQueries.js';
import { useLeanSubscriptions } from './plugins/subscriptionExecutor.js';
import { sendEventStream, useEventStreams } from './plugins/eventStreams.js';
import { useCsrfPrevention } from './plugins/csrf.js';
import { useDeferStreamValidatedOnce } from './plugins/deferStream.js';
import { codedForStreams, useErrorCodes } from './plugins/errorCodes.js';
import { useGraphiQLPage } from './plugins/graphiqlPage.js';
import { useIntrospectionPolicy, withoutSuggestions } from './plugins/introspection.js';
import { useOperationDedup } from './plugins/operationDedup.js';
import { persistedQueryMismatch, usePersistedOperationsPolicy, type PersistedOperationsConfig } from './plugins/persistedOperations.js';
import { useReadiness } from './plugins/readiness.js';
import { useRootRedirect } from './plugins/rootRedirect.js';
import { declaredVariables, documentTooLong, dropUnreadExtensions, limitedFetchApi, queryLimits, useArgumentLimits, useDocumentLimits, useMalformedParameters, useOneSchemaIntrospection, useRequestSizeLimit, useUnsupportedTypes, useUploadsForMutationsOnly } from './plugins/limits.js';
import { buildSchema } from './schema/index.js';
import { FORWARDED_HEADERS } from './upstreams/credentials.js';
import { createUpstreams } from './upstreams/index.js';

export interface GatewayDeps {
  config: Pick<Config, 'iwerp' | 'maxPageSize' | 'maxListArgument' | 'avatarMaxBytes' | 'exposeVendorSecrets' | 'demo' | 'limits' | 'corsOrigins' | 'introspection' | 'graphiql' | 'compiledQueries'> & PersistedOperationsConfig;
  adapters: Adapters;
  /** The shared poller behind subscriptions and @live queries (its owner closes it on shutdown). */
  live: LiveRegistry;
  /** The configured vendors' clients: /readiness reports their breakers. */
  upstreams: Partial<Record<Provider, Upstream>>;
  logger: Logger;
  metrics: Metrics;
  /** Set by the server on SIGTERM: /readiness then answers 503 so load balancers drain it. */
  lifecycle?: { draining: boolean };
}

/**
 * Documents kept parsed: the characters of their texts (≈ 45 MB of heap for the densest), and
 * their count, since a tiny one that fails validation keeps its errors with their stacks (~80 KB).
 */
const DOCUMENT_CACHE = { characters: 1_000_000, documents: 1_000 };

/** An LRU of parsed documents (or their parse errors) by their text, bounded by characters and count, an hour each at most. */
const byCharacters = <T extends {}>() =>
  new LRUCache<string, T>({
    max: DOCUMENT_CACHE.documents,
    maxSize: DOCUMENT_CACHE.characters,
    sizeCalculation: (_, text) => Math.max(1, text.length),
    ttl: 3_600_000,
  });

/** The operation GraphiQL opens with: one read from each vendor's demo data. */
export const EXAMPLE_OPERATION = `# One request, three vendors: each answers from its own API with its own credential.
query Example {
  iwerp: chatroomByProviderId(provider: IWERP, providerId: "1") {
    id
    name
    participants { displayName }
  }
  popsell: chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) {
    id
    kind
    lastRating { value comment }
    participants { displayName ... on Ambassador { username } }
  }
  messenger: organizationChatrooms(organizationId: 1, first: 3) {
    totalCount
    edges { node { id name kind capabilities { canSendMessage } } }
    pageInfo { hasNextPage endCursor }
  }
  message: messageByProviderId(provider: IWERP, providerId: "1") {
    text
    author { displayName }
    chatroom { name }
  }
}
`;

/** GraphiQL's second tab: a subscription to the room demo activity changes most (IW-ERP room 1). */
export const EXAMPLE_SUBSCRIPTION = `# Real time: the room as it is now, then an event whenever the gateway's shared poll finds it
# changed (about every LIVE_POLL_INTERVAL_MS). In demo mode the simulators change it by themselves.
subscription RoomChanges {
  chatroomChanged(id: "${encodeGlobalId('Chatroom', 'IWERP', { chatroom: '1' })}") {
    changes
    observedAt
    chatroom { name lastReadAt participants { displayName lastReadAt } }
    participantsJoined { displayName }
    participantsLeft { displayName }
  }
}
`;

/** Demo mode's simulators accept any non-empty credential; these fill GraphiQL's header editor. */
export const DEMO_HEADERS = {
  'x-session-token': 'demo-session',
  authorization: 'Bearer demo-popsell',
  'x-popsell-brand': '1',
  'api-token': 'demo-messenger',
};

/**
 * GraphiQL from the bundled assets, not a CDN, so it works on closed networks too. The bundle
 * costs ~45 MiB of memory, so it is loaded when a browser first asks for it, not at start.
 */
async function renderGraphiQL(options: GraphiQLOptions) {
  const { renderGraphiQL: render } = await import('@graphql-yoga/render-graphiql');
  return render(options);
}

export function createGateway(deps: GatewayDeps) {
  for (const [provider, upstream] of Object.entries(deps.upstreams)) {
    deps.metrics.watchBreaker(provider as Provider, () => upstream.breakerState());
  }
  const demoHeaders = deps.config.demo ? JSON.stringify(DEMO_HEADERS, null, 2) : null;
  const compiled = (schema: GraphQLSchema) => (deps.config.compiledQueries ? withSettledListItems(schema) : schema);
  let graphiqlPage: Promise<string> | undefined;
  return createYoga({
    schema: compiled(withLiveQueryKeys(buildSchema({ exposeVendorSecrets: deps.config.exposeVendorSecrets }))),
    context: createContextFactory(deps),
    logging: deps.logger,
    // Errors are shown only when they are GatewayErrors (coded); everything else is masked.
    maskedErrors: { isDev: false },
    landingPage: false,
    // Credentials travel in headers a page sets itself, never in cookies: no CORS credentials mode.
    // A page may read an answer's x-request-id, to quote it in a report (docs/operations.md).
    cors: { origin: [...deps.config.corsOrigins], credentials: false, methods: ['GET', 'POST'], exposedHeaders: ['x-request-id'] },
    // Its options are this gateway's, the same for every request: rendered once (useGraphiQLPage).
    renderGraphiQL: (options) => (graphiqlPage ??= renderGraphiQL(options)),
    graphiql: deps.config.graphiql && {
      title: 'Chat gateway',
      defaultQuery: EXAMPLE_OPERATION,
      // The example query, then the example subscription, each with the demo credentials in demo mode.
      defaultTabs: [EXAMPLE_OPERATION, EXAMPLE_SUBSCRIPTION].map((query) => ({ query, headers: demoHeaders })),
      ...(demoHeaders ? { headers: demoHeaders } : {}),
    },
    fetchAPI: limitedFetchApi(deps.config.limits, deps.config.avatarMaxBytes),
    // Batched operations (a JSON array of requests) stay off: one request, one operation.
    batching: false,
    // useRequestSizeLimit refuses an oversized or unsized body from its headers before it is read,
    // and Node's HTTP parser reads no more than the Content-Length; yoga's own limit would pipe
    // every body through a counting stream again (~8 % of the gateway's CPU in the benchmark).
    maxRequestBodySize: false,
    // Documents parsed (and their parse errors) are kept for the next request with the same text,
    // bounded by the characters of their texts as well as yoga's count: a parsed document holds ~45
    // bytes of heap per character of a dense one (3,000 tokens in 32 KB: 1.4 MB), and an attacker's
    // distinct such documents took 1.5 GB, past a 1 GB heap the process died. Their validation
    // results live as long as they do. Typical documents of 1–3 KB: 300–1,000 kept.
    parserAndValidationCache: { documentCache: byCharacters<DocumentNode>(), errorCache: byCharacters<object>() },
    plugins: [
      useRequestScope(deps.logger),
      useReadiness(deps.upstreams, deps.live.pollsPaused, deps.lifecycle ?? { draining: false }),
      useRootRedirect('/graphql'),
      useAcceptableAnswers(),
      useRequestSizeLimit(deps.config.limits.maxRequestBytes, deps.config.avatarMaxBytes, deps.config.limits.maxDocumentLength),
      useMalformedParameters(),
      usePersistedOperationsPolicy(deps.config, deps.logger),
      // @defer and @stream: a slow vendor's fields follow the fast ones (multipart or SSE).
      useDeferStreamValidatedOnce(),
      useLeanSubscriptions(),
      useEventStreams(),
      useOperationSpans(),
      queryLimits(deps.config.limits),
      useArgumentLimits(deps.config.maxListArgument, deps.config.limits.maxCost),
      useStreamsAccepted(),
      useUploadsForMutationsOnly(),
      useDocumentLimits(deps.config.limits.maxTokens, deps.config.limits.maxFragments, deps.config.persistedDocuments),
      useOneSchemaIntrospection(),
      useIntrospectionPolicy(deps.config.introspection),
      useErrorCodes(),
      useAppliedWrites(),
      // Before useOperationDedup, which shares whichever executor runs the query.
      ...(deps.config.compiledQueries ? [useCompiledQueries({ counted: deps.metrics.compilation })] : []),
      useOperationDedup(),
      ...deps.metrics.plugins(),
      useCsrfPrevention(),
      useUnsupportedTypes(),
      useGraphiQLPage(),
      // After useOperationDedup, which leaves @live queries alone: each is its own execution.
      ...useLiveQueries(deps.live, deps.adapters, deps.metrics.liveQueryRun),
    ],
  });
}

export type Gateway = ReturnType<typeof createGateway>;

/**
 * The credential headers (CONTRACT.md, "Credentials") a WebSocket's `connectionParams` carries,
 * or why not (a close reason) when they are not what an HTTP request could send: a string of a header value's own
 * characters (RFC 9110: tab, space, visible ASCII, Latin-1), each name once whatever its case
 * (over HTTP a credential sent twice is refused), the whole payload within Node's header size.
 * Other keys are ignored. A control character reached undici, which refused it before sending: an
 * attacker's junk credential then failed every call without one made (and opened the vendor's
 * breaker until that was mended).
 */
function headersOf(params: Readonly<Record<string, unknown>> | undefined): Headers | string {
  // As Node's limit on an HTTP request's headers (431 past it): a 20 KB token held subscription
  // places. Other keys count too, since graphql-ws keeps the whole payload as long as the socket
  // lives: 1 MB of them held ~7 MB of heap per socket, without a credential (an attacker's pass).
  const tooLarge = `Forbidden: connectionParams take ${maxHeaderSize} bytes at most, as an HTTP request's headers do`;
  try {
    if (params && JSON.stringify(params).length > maxHeaderSize) return tooLarge;
  } catch {
    // Nested deeper than the stack (an attacker's pass): no header either.
    return 'Forbidden: connectionParams are nested too deeply';
  }
  const headers = new Headers();
  for (const [key, value] of Object.entries(params ?? {})) {
    const name = key.toLowerCase();
    // ASCII only, as a header name is: the Kelvin sign (U+212A) lowercases to "k" (a reviewer's pass).
    if (!FORWARDED_HEADERS.includes(name) || !ASCII.test(key)) continue;
    // Named after the header (one of FORWARDED_HEADERS), never the key as sent.
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) return `Forbidden: connectionParams "${name}" must be a string an HTTP header can carry`;
    if (headers.has(name)) return `Forbidden: connectionParams "${name}" is sent twice (header names are case-insensitive)`;
    headers.set(name, value);
  }
  return headers;
}

const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const ASCII = /^[\x00-\x7f]*$/;

/** Node's refusals of a request before any handler sees it, by its parser's error code. */
const CLIENT_ERRORS: Record<string, [status: number, reason: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', `The request's headers, its URL included, are larger than ${maxHeaderSize} bytes.`],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not all come within HTTP_REQUEST_TIMEOUT_MS.'],
};

const badRequestBody = (message: string) => JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });

/**
 * Answers a request no handler of yoga's sees with a coded error. Its connection stays open: Node
 * has framed the request, and runs one pipelined behind it all the same, so closing lost that one's
 * answer, a write applied unseen (a reviewer's pass).
 */
function refuseOnResponse(response: ServerResponse, status: number, message: string) {
  const body = badRequestBody(message);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
}

/** Answers on a bare socket (one Node's parser refused, an upgrade refused) with a coded error, then closes it. */
function refuseOnSocket(socket: Duplex, status: number, reason: string, message: string, headers = '') {
  // An upgrade's socket has no error listener of Node's any more: a client resetting the
  // connection during this write crashed the process (a reviewer's finding).
  socket.on('error', () => socket.destroy());
  const body = badRequestBody(message);
  const head = `HTTP/1.1 ${status} ${reason}\r\n${headers}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n`;
  socket.end(head + body, () => socket.destroy());
}

/**
 * Keeps the bytes received of request bodies not yet whole, over every connection, within
 * MAX_BODY_BYTES_IN_FLIGHT: past it bodies are cut, each answered 503 and its connection closed.
 * Each body is within MAX_REQUEST_BYTES, but 1,000 connections that sent all of a 1 MB body but
 * its last bytes held 1 GB of heap until their 408 (an attacker's pass).
 *
 * What has come is counted, from the socket's bytes read since the request's head (the parser
 * reads a body only as fast as yoga reads it, and yoga does from the start): a budget of declared
 * lengths let connections that declared large bodies and sent nothing refuse everyone else's (a
 * reviewer's pass). Where the head began is where the connection's last answer ended: counted from
 * the read that brought the head, 9,000 connections holding 64 KB each held 800 MB uncounted (an
 * attacker's pass). A request is looked at once the reads due by then are done, and only one whose
 * body is not yet whole is followed: most come whole with their head, and following each one cost
 * ~0.15 ms of CPU per operation, a quarter of a small query's (a measured A/B). A body stops
 * counting once its request is answered: the rest is read only to be thrown away (a reviewer's pass).
 *
 * Which go: past the budget, the late ones, slowest first: those whose pace over the last second
 * would not make them whole before HTTP_REQUEST_TIMEOUT_MS ends them with a 408 anyway (a body held
 * back has stopped). Bodies keeping their pace are cut only past twice the budget, slowest first.
 * A body's first second is not judged: cutting the oldest first, whatever their pace, cut every
 * slow honest upload for anyone who held back a few bodies at once, and a pace read over 50 ms
 * took an honest upload's pause between two packets for a stop (attackers' passes). To hold memory
 * past the budget, a client has to send at the pace that makes its bodies whole in time.
 *
 * Counted every 50 ms while any body is under way, after the socket reads due by then (a count
 * right after a stalled event loop would see every body as stopped), so the budget may be passed
 * by what the network brings in a second. A client cut while still sending may see its connection
 * reset rather than the 503.
 */
function bodiesUnderWay(limit: number, timeoutMs: number, logger: Pick<Logger, 'warn'>) {
  interface UnderWay {
    request: IncomingMessage;
    response: ServerResponse;
    /** Its socket's bytes read before its body began. */
    from: number;
    declared: number;
    /** When HTTP_REQUEST_TIMEOUT_MS ends it (performance.now()). */
    deadline: number;
    /** The second its pace is read over: since when, and its bytes then. */
    windowAt: number;
    windowBytes: number;
    /** Bytes per ms over its last second, or null in its first. */
    pace: number | null;
  }
  // Requests just seen, until the reads due by then are done.
  let arrived: Pick<UnderWay, 'request' | 'response'>[] = [];
  const underWay = new Set<UnderWay>();
  // Each connection's bytes read when its last answer ended: where its next request's head begins.
  const readBefore = new WeakMap<Socket, number>();
  const sayCutting = onceAMinute(() => logger.warn(`Cutting request bodies under way: MAX_BODY_BYTES_IN_FLIGHT (${limit}) of theirs have come`));
  const body = JSON.stringify({ errors: [{ message: 'The gateway is receiving too many request bodies at once, and this one was not coming fast enough; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
  let counting: NodeJS.Timeout | undefined;
  const answered = ({ request, response }: Pick<UnderWay, 'request' | 'response'>) => request.complete || response.writableEnded || request.socket.destroyed;
  const follow = () => {
    const now = performance.now();
    for (const seen of arrived) {
      const declared = Number(seen.request.headers['content-length']);
      if (answered(seen) || !(declared > 0)) continue;
      const from = (readBefore.get(seen.request.socket) ?? 0) + headBytes(seen.request);
      underWay.add({ ...seen, from, declared, deadline: now + timeoutMs, windowAt: now, windowBytes: seen.request.socket.bytesRead - from, pace: null });
    }
    arrived = [];
    counting ??= underWay.size > 0 ? setInterval(() => setImmediate(count), 50).unref() : undefined;
  };
  const cut = (under: UnderWay) => {
    sayCutting();
    underWay.delete(under);
    const { response, request } = under;
    // An answer already begun (none is, while its body is still coming, but a throw here would end the process).
    if (response.headersSent) request.socket.destroy();
    else response.writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'retry-after': '1', 'cache-control': 'no-store', connection: 'close' }).end(body, () => request.socket.destroy());
  };
  const count = () => {
    const now = performance.now();
    let held = 0;
    const late: { under: UnderWay; received: number; pace: number }[] = [];
    const keeping: typeof late = [];
    for (const under of underWay) {
      if (answered(under)) {
        underWay.delete(under);
        continue;
      }
      // Within what it declared: the thrown-away tail of the connection's last request, read after
      // that answer ended, and a head's bytes the parser trimmed, would count toward it (a
      // reviewer's pass).
      const received = Math.min(under.declared, Math.max(0, under.request.socket.bytesRead - under.from));
      held += received;
      if (now - under.windowAt >= 1000) {
        under.pace = (received - under.windowBytes) / (now - under.windowAt);
        under.windowAt = now;
        under.windowBytes = received;
      }
      const { pace } = under;
      if (pace !== null) (pace <= 0 || pace * Math.max(0, under.deadline - now) < under.declared - received ? late : keeping).push({ under, received, pace });
    }
    // Stable sorts: among equals, the oldest first, as the set holds them in order of arrival.
    for (const [bodies, budget] of [[late, limit], [keeping, 2 * limit]] as const) {
      for (const { under, received } of bodies.sort((a, b) => a.pace - b.pace)) {
        if (held <= budget) break;
        held -= received;
        cut(under);
      }
    }
    if (underWay.size > 0) return;
    clearInterval(counting);
    counting = undefined;
  };
  return {
    receiving(request: IncomingMessage, response: ServerResponse) {
      if (arrived.length === 0) setImmediate(follow);
      arrived.push({ request, response });
    },
    answered(request: IncomingMessage) {
      readBefore.set(request.socket, request.socket.bytesRead);
    },
  };
}

/**
 * The bytes of a request's head as it came: its request line, its header lines and the blank line.
 * Node reads a head a byte to a character (latin1): counted as UTF-8, bytes over 0x7f counted twice
 * and a body's count went below nothing (a reviewer's pass).
 */
function headBytes(request: IncomingMessage): number {
  let bytes = `${request.method} ${request.url} HTTP/${request.httpVersion}\r\n\r\n`.length;
  for (let i = 0; i < request.rawHeaders.length; i += 2) bytes += request.rawHeaders[i]!.length + request.rawHeaders[i + 1]!.length + 4;
  return bytes;
}

/**
 * An absolute-form target (`GET http://host/graphql`) made origin-form, the target's authority in
 * place of Host, as RFC 9112 (3.2.2) has an origin server take it: it was a 400 (an attacker's
 * pass). Its head then counts shorter by the scheme and authority (bodiesUnderWay).
 */
function toOriginForm(request: IncomingMessage) {
  const target = request.url ?? '/';
  if (!/^https?:\/\//i.test(target) || !URL.canParse(target)) return;
  const url = new URL(target);
  request.url = `${url.pathname}${url.search}`;
  request.headers.host = url.host;
}

/** Whether a request's Host and target (origin-form) make a URL, as whatwg-node builds it: one that does not is a 400. */
const makesUrl = (request: IncomingMessage) => URL.canParse(`http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`);
const NO_URL = "The request's Host and path make no URL.";

/**
 * The HTTP server that serves the gateway (it does not listen yet). A connection must bring its
 * whole request (headers and body) within HTTP_REQUEST_TIMEOUT_MS, or it is closed with a 408:
 * Node's defaults held one whose body never came for 300 s (an attacker's 200 such connections kept
 * every other client out), checked every second rather than every 30; a response may stream as
 * long as it likes (an SSE subscription's request has all come). A header sent on two lines is
 * joined, as on one, so that a credential sent twice is refused: Node otherwise keeps the first
 * Authorization line and drops the others. What Node's parser refuses (headers over 16 KB, a
 * malformed request, one late) gets a coded error, as every other refusal, not a bare status line.
 */
export function createHttpServer(config: Pick<Config, 'requestTimeoutMs' | 'maxBodyBytesInFlight'>, gateway: Gateway, logger: Pick<Logger, 'error' | 'warn'>): HttpServer {
  const options = { requestTimeout: config.requestTimeoutMs, headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 1_000, joinDuplicateHeaders: true };
  const bodies = bodiesUnderWay(config.maxBodyBytesInFlight, config.requestTimeoutMs, logger);
  // Each connection's answer under way, if any (a keep-alive connection has one at a time).
  const answering = new WeakMap<Socket, ServerResponse>();
  // As yoga's own Node listener, but a subscription's event stream is written here (eventStreams.ts),
  // and a failure of the handler itself is a coded 500, where whatwg-node answered its stack trace.
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    let answered: Response;
    try {
      answered = await gateway.handleNodeRequestAndResponse(request, response);
    } catch (error) {
      logger.error({ err: error }, 'The request handler failed');
      answered = new gateway.fetchAPI.Response(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }), {
        status: 500,
        headers: { 'content-type': 'application/json' },
      });
    }
    // Computed with the caller's credentials, an answer is no shared cache's to keep (a GET query's
    // URL is the same for every caller). Only one with a validator (GraphiQL's page, its 304) is
    // kept, to be revalidated; yoga's event streams said no-cache, which lets a cache store them.
    if (!answered.headers.has('etag')) {
      // Deleted first: whatwg-node's headers, made from an object ('Cache-Control': …), kept that
      // entry beside the one set, and both were sent.
      answered.headers.delete('cache-control');
      answered.headers.set('cache-control', 'no-store');
    }
    if (!sendEventStream(answered, response, logger)) await sendNodeResponse(answered, response, request, true);
  };
  const server = createServer(options, (request, response) => {
    answering.set(request.socket, response);
    response.once('close', () => {
      if (answering.get(request.socket) === response) answering.delete(request.socket);
      bodies.answered(request);
    });
    // whatwg-node builds the request's URL from Host as this does, and answered one that does not
    // parse (two Host lines, a space in one) with a 500 and the TypeError's stack (a reviewer's finding).
    toOriginForm(request);
    if (!makesUrl(request)) {
      refuseOnResponse(response, 400, NO_URL);
      return;
    }
    bodies.receiving(request, response);
    answer(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'Answering a request failed');
      response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!asksForWebSocket(request)) afterAnswer(socket, answering.get(socket as Socket), () => serveWithoutUpgrade(server, request, socket, head));
  });
  // As yoga refuses any method but GET and POST (Node only closed a CONNECT's connection).
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    afterAnswer(socket, answering.get(socket as Socket), () =>
      refuseOnSocket(socket, 405, 'Method Not Allowed', 'CONNECT is not served here: the gateway is no proxy. GraphQL takes GET and POST.', 'Allow: GET, POST\r\n'),
    );
  });
  // An Expect other than 100-continue: Node's own 417 had no code and no Cache-Control (a reviewer's pass).
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) =>
    refuseOnResponse(response, 417, 'The request expects what the gateway does not do: of Expect, only 100-continue is served.'),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Not into an answer already under way (a streaming one, a pipelined request's), as Node's
    // own handler does not: that connection is only cut.
    if (error.code === 'ECONNRESET' || !socket.writable || answering.get(socket)?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'The request is not well-formed HTTP/1.1.'];
    refuseOnSocket(socket, status, reason, message);
  });
  return server;
}

/** Whether an upgrade request asks for a WebSocket, among the protocols of its Upgrade header. */
const asksForWebSocket = (request: IncomingMessage) =>
  (request.headers.upgrade ?? '').split(',').some((protocol) => protocol.trim().toLowerCase() === 'websocket');

/** Hop-by-hop headers of an upgrade: HTTP2-Settings goes with an upgrade to h2c (RFC 7540, 3.2). */
const UPGRADE_HEADERS = new Set(['upgrade', 'http2-settings']);

/**
 * Runs `then` once the answer under way on a connection (`before`) has closed, at once when there
 * is none. Node hands a pipelined upgrade or CONNECT over past its parser while the answer before
 * it may still be written: answered at once, a CONNECT's 405 took the place of that answer (a
 * reviewer's pass), and an h2c request given to the HTTP server again as a new connection went
 * unanswered, its answer queued where the old connection never looks (an attacker's pass).
 */
function afterAnswer(socket: Duplex, before: ServerResponse | undefined, then: () => void) {
  if (!before) return then();
  // Node's error listener went with the hand-over: a client resetting the connection meanwhile
  // would end the process (a reviewer's pass).
  const cut = () => socket.destroy();
  socket.on('error', cut);
  before.once('close', () => {
    // A socket already destroyed may still have its 'error' to come, a tick after.
    if (!socket.destroyed) socket.off('error', cut);
    then();
  });
}

/**
 * Serves an upgrade request the gateway does not offer (HTTP/2 over cleartext, h2c: curl --http2,
 * Java's HttpClient) as the HTTP/1.1 request it also is, which HTTP allows (RFC 9110, 7.8). Node
 * hands every upgrade request to the 'upgrade' listeners, past its parser: the request's head is
 * written back without its upgrade, ahead of what followed it, and the socket is given to the HTTP
 * server again as a new connection, whose parser reads it as any other (body, pipelined requests):
 * every 'connection' listener must take a socket it has seen before. Handed to the WebSocket
 * server, a POST /graphql was a 405 and GET /health a 404, in HTML (an attacker's pass).
 */
function serveWithoutUpgrade(server: HttpServer, request: IncomingMessage, socket: Duplex, head: Buffer) {
  if (socket.destroyed) return;
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  const raw = request.rawHeaders;
  for (let at = 0; at < raw.length; at += 2) {
    const [name, value] = [raw[at]!, raw[at + 1]!];
    const lower = name.toLowerCase();
    if (UPGRADE_HEADERS.has(lower)) continue;
    if (lower !== 'connection') lines.push(`${name}: ${value}`);
    else {
      const options = value.split(',').filter((option) => !UPGRADE_HEADERS.has(option.trim().toLowerCase()));
      if (options.some((option) => option.trim())) lines.push(`${name}: ${options.join(',')}`);
    }
  }
  // Node read the head as latin1, a byte to a character: written back so, it is the same bytes.
  socket.unshift(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]));
  // The answer before it set the old connection's keep-alive timeout, which the new one never clears.
  (socket as Socket).setTimeout(0);
  server.emit('connection', socket);
}

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the gateway's own path and port, as yoga's
 * graphql-ws recipe runs it: every operation goes through yoga's envelop (parse, validate, context,
 * execute), so the same plugins and limits (depth, cost, aliases, tokens, masking) apply as over
 * HTTP, and its errors carry the same codes. Credentials come from `connectionParams` under the
 * header names; a connection whose params are not header strings is refused (4403). A frame is at
 * most MAX_REQUEST_BYTES; with PERSISTED_DOCUMENTS_ONLY only the manifest's documents run.
 *
 * graphql-ws's own `useServer` adapter is replaced by one on its `makeServer`, for what a socket
 * may hold: WS_MAX_OPERATIONS operations until each has ended (more are refused,
 * TOO_MANY_OPERATIONS), and WS_MAX_BUFFERED_BYTES of answers its client has not read when another
 * is to be sent (then the client is not reading, and the socket is cut). Without them, a client
 * that sent operations and stopped reading kept every answer in memory, over a gigabyte in a
 * minute. A send to a socket that has gone resolves (its `close` ends its operations), where
 * useServer printed a stack trace per pending answer. Returns a function that closes every
 * connection.
 */
export function serveWebSocket(
  gateway: Gateway,
  server: HttpServer,
  config: Pick<Config, 'limits' | 'persistedDocuments' | 'persistedDocumentsOnly' | 'introspection'>,
  deps: { logger: Pick<Logger, 'error'>; metrics: Pick<Metrics, 'watchWebSockets' | 'graphqlErrors'> },
): () => Promise<void> {
  const { logger } = deps;
  // As useErrorCodes and useIntrospectionPolicy answer them over HTTP.
  const answered = (errors: readonly GraphQLError[], data?: unknown) => {
    const coded = codedForStreams(errors, data);
    return config.introspection ? coded : coded.map(withoutSuggestions);
  };
  const { maxRequestBytes, maxSocketOperations, maxSocketBufferedBytes, maxBufferedBytesAllSockets } = config.limits;
  // yoga's persisted-operation plugins read HTTP params, which a WebSocket message has none of: with
  // PERSISTED_DOCUMENTS_ONLY, a document runs here only when the manifest holds it, by its hash.
  const trusted = config.persistedDocumentsOnly ? config.persistedDocuments : undefined;
  // Upgrades are taken from the HTTP server's 'upgrade' events rather than by handing ws the
  // server, which would re-emit the server's own errors (a port already taken) as its own.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxRequestBytes, handleProtocols });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Any other upgrade is served as HTTP/1.1 (createHttpServer).
    if (!asksForWebSocket(request)) return;
    // Refused as an HTTP request would be. A target that is no URL threw in new URL, here in an
    // event listener: one request crashed the process.
    toOriginForm(request);
    if (!makesUrl(request) || !URL.canParse(request.url ?? '/', 'http://localhost')) return refuseOnSocket(socket, 400, 'Bad Request', NO_URL);
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== gateway.graphqlEndpoint) {
      return refuseOnSocket(socket, 404, 'Not Found', `WebSockets are served on ${gateway.graphqlEndpoint} only.`);
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);
  // ws's own refusals of a handshake (a method other than GET, a key or version it cannot take) were
  // text/html with no code (an attacker's pass): coded as every other refusal, in ws's words, with
  // the headers RFC 9110 and RFC 6455 (4.4) ask of them (Allow, Sec-WebSocket-Version).
  sockets.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
    const message = `The WebSocket handshake is not well-formed: ${error.message}.`;
    if (request.method !== 'GET') return refuseOnSocket(socket, 405, 'Method Not Allowed', message, 'Allow: GET\r\n');
    const version = request.headers['sec-websocket-version'];
    refuseOnSocket(socket, 400, 'Bad Request', message, version === '13' || version === '8' ? '' : 'Sec-WebSocket-Version: 13, 8\r\n');
  });
  const credentialHeaders = new WeakMap<object, Headers>();
  const endpoint = `http://localhost${gateway.graphqlEndpoint}`;
  const protocol = makeServer<Record<string, unknown>, SocketExtra>({
    onConnect(ctx) {
      const headers = headersOf(ctx.connectionParams);
      // graphql-ws keeps the params for the socket's life; what is read of them is in `headers`.
      // 16 KB of `[{},{},…]` held 345 KB of heap per socket, without a credential (an attacker's pass).
      const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(params)) delete params[key];
      if (typeof headers === 'string') {
        // graphql-ws's own close for `false` says only "Forbidden" (a frontend developer's pass).
        ctx.extra.socket.close(CloseCode.Forbidden, headers);
        return false;
      }
      credentialHeaders.set(ctx.extra.socket, headers);
      ctx.extra.runs = (id) => id in ctx.subscriptions;
      return true;
    },
    execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
    subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
    async onSubscribe(ctx, id, payload) {
      const tooLong = documentTooLong(payload.query, config.limits.maxDocumentLength);
      if (tooLong) return answered([tooLong]);
      dropUnreadExtensions(payload.extensions);
      const mismatch = persistedQueryMismatch(payload.query, payload.extensions);
      if (mismatch) return [mismatch];
      if (trusted && !trusted.has(hash('sha256', payload.query, 'hex'))) {
        const refusal = 'This gateway runs trusted documents only, and this document is not one of them.';
        return [new GraphQLError(refusal, { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })];
      }
      // This one among them. graphql-ws forgets an operation as soon as its client sends
      // `complete`, while its execution (and its vendor calls) goes on: counted until it ends.
      if (ctx.extra.open.count > maxSocketOperations) {
        return [new GraphQLError(`One WebSocket may hold ${maxSocketOperations} open operations at most.`, { extensions: { code: 'TOO_MANY_OPERATIONS' } })];
      }
      // A POST in yoga's eyes: a WebSocket message is no cross-site "simple" request, and may mutate.
      // Its signal fires when the connection closes: its vendor reads are abandoned then, as an
      // HTTP request's are when its client hangs up. yoga's own Request class, which keeps the
      // socket's headers and this signal as they are: Node's copies the headers, parses the URL
      // and follows the signal with one of its own, ~0.9 KB more heap per subscription (5 %).
      const { Request } = gateway.fetchAPI;
      const request = new Request(endpoint, { method: 'POST', headers: credentialHeaders.get(ctx.extra.socket) ?? new Headers(), signal: ctx.extra.operations.get(id)?.signal ?? null });
      // Each live watch of the operation ends on it: a @live query has one per chatroom it read,
      // which MAX_COST and MAX_LIST_ARGUMENT bound. Node would warn past ten, as for a leak.
      setMaxListeners(MAX_WATCHES_PER_OPERATION, request.signal);
      const { schema, execute, subscribe, contextFactory, parse, validate } = gateway.getEnveloped({ ...ctx, request, params: payload });
      try {
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length) return answered(errors);
        // graphql-ws would refuse it too, without a code.
        if (!getOperationAST(document, payload.operationName)) {
          return answered([new GraphQLError('The document has no operation of that name, or several and no operationName.', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })]);
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
      } catch (error) {
        // GraphQL Armor's limits throw their refusal from the parser and from validation rules,
        // the context a coded error for a credential sent twice.
        if (error instanceof GraphQLError) return answered([error]);
        throw error;
      }
    },
    // Counted in gateway_graphql_errors_total as over HTTP: refusals, then results' errors.
    onError(_ctx, _id, _payload, errors) {
      deps.metrics.graphqlErrors(errors);
    },
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors?.length) return undefined;
      const errors = answered(result.errors as GraphQLError[], result.data);
      deps.metrics.graphqlErrors(errors);
      return errors.every((error, i) => error === result.errors![i]) ? undefined : { ...result, errors: errors.map((error) => error.toJSON()) };
    },
  });
  // Each socket's own limit alone let 500 clients that stopped reading hold about 1 GB.
  const unsent = new UnsentAnswers<WebSocket>(maxBufferedBytesAllSockets);
  deps.metrics.watchWebSockets(() => unsent.total);
  sockets.on('connection', (socket: WebSocket) => {
    const handling = new Map<string, number>();
    const open = { count: 0 };
    const operations = new Map<string, AbortController>();
    const extra: SocketExtra = { socket, handling, open, operations, runs: () => false };
    const send = (data: string) =>
      new Promise<void>((resolve) => {
        if (socket.readyState !== socket.OPEN) return resolve();
        // Answers sent earlier and still unread: this one may be larger than the limit alone.
        if (socket.bufferedAmount > maxSocketBufferedBytes) {
          unsent.forget(socket);
          socket.terminate();
          return resolve();
        }
        const bytes = Buffer.byteLength(data);
        for (const holder of unsent.holdersToCut(bytes)) holder.terminate();
        // It may have been one of them.
        if (socket.readyState !== socket.OPEN) return resolve();
        unsent.sent(socket, bytes);
        // Called once ws has handed the bytes to the kernel, or with an error when the socket
        // went away (its 'close' ends the operations).
        socket.send(data, () => {
          unsent.written(socket, bytes);
          resolve();
        });
      });
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send,
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            const { id, text } = operationMessageOf(String(data), config.limits.maxTokens);
            // graphql-ws bounds no id, and an open operation keeps its id in several places: 200
            // subscriptions with ids of 1 MB on each of 3 sockets held 1.4 GB (an attacker's pass).
            if (id !== undefined && id.length > MAX_OPERATION_ID_LENGTH) {
              socket.close(CloseCode.BadRequest, `An operation id is at most ${MAX_OPERATION_ID_LENGTH} characters.`);
              return;
            }
            // graphql-ws forgets an id on `complete` while its operation, still running, ends: an
            // id reused then is refused here, before graphql-ws makes an entry for it in its table.
            // The running one would take that entry as it finished setting up, then lose it with
            // the refusal's clean-up: no `complete` reached it, and it polled and sent events until
            // its socket closed (attackers' passes). Its end deletes no new operation's entry either.
            if (id !== undefined && handling.has(id) && !extra.runs(id) && wellFormed(text)) {
              const refusal = new GraphQLError('An operation with this id is still ending: send this one with another id.', { extensions: { code: 'BAD_REQUEST' } });
              deps.metrics.graphqlErrors([refusal]);
              void send(stringifyMessage({ id, type: MessageType.Error, payload: [refusal.toJSON()] }));
              return;
            }
            // A subscribe message is handled until its operation has ended (its last answer sent,
            // graphql-ws's clean-up done): until then it is open, and its id taken. It has a signal
            // of its own, which the socket's close fires, dropped when it ends: a socket running
            // operation after operation holds nothing of the ended ones (a listener each on one
            // signal of the socket's would).
            let gone: AbortController | undefined;
            if (id !== undefined) {
              if (!handling.has(id)) operations.set(id, (gone = new AbortController()));
              handling.set(id, (handling.get(id) ?? 0) + 1);
              open.count += 1;
            }
            handle(text)
              .catch((error: unknown) => {
                logger.error({ err: error }, 'A WebSocket message could not be handled');
                socket.close(CloseCode.InternalServerError, 'Internal server error');
              })
              .finally(() => {
                if (id === undefined) return;
                if (gone) operations.delete(id);
                open.count -= 1;
                const left = (handling.get(id) ?? 1) - 1;
                if (left > 0) handling.set(id, left);
                else handling.delete(id);
              });
          }),
      },
      extra,
    );
    // graphql-ws's keep-alive: a ping every KEEP_ALIVE_MS, and a client whose pong does not come
    // back within as long is gone (a dead peer's socket can stay open for minutes otherwise).
    let pongWait: NodeJS.Timeout | undefined;
    const pings = setInterval(() => {
      if (socket.readyState !== socket.OPEN || pongWait) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.ping();
    }, KEEP_ALIVE_MS);
    socket.on('pong', () => {
      clearTimeout(pongWait);
      pongWait = undefined;
    });
    socket.on('error', () => socket.terminate());
    socket.once('close', (code, reason) => {
      unsent.forget(socket);
      for (const operation of operations.values()) operation.abort();
      clearInterval(pings);
      clearTimeout(pongWait);
      void closed(code, String(reason));
    });
  });
  return async () => {
    server.off('upgrade', onUpgrade);
    for (const socket of sockets.clients) socket.close(1001, 'Going away');
    await new Promise((resolve) => sockets.close(resolve));
  };
}

/**
 * Answers handed to WebSockets and not yet reported written (WS_MAX_BUFFERED_BYTES_TOTAL), by
 * socket and in all. Past the budget, the sockets that hold the most go first: those are the
 * clients that stopped reading, while one that reads holds little or nothing. Cutting whichever
 * socket sends next instead (a reviewer's finding) spared clients that stopped reading and asked
 * for nothing more, and cut readers that held an answer for a moment.
 */
export class UnsentAnswers<Socket> {
  readonly #bySocket = new Map<Socket, number>();
  #total = 0;

  constructor(readonly budget: number) {}

  get total() {
    return this.#total;
  }

  /** The sockets to cut, most held first, so that what the rest hold and `bytes` more fit the budget; forgotten here. */
  holdersToCut(bytes: number): Socket[] {
    let excess = this.#total + bytes - this.budget;
    if (excess <= 0) return [];
    const cut: Socket[] = [];
    for (const [socket, held] of [...this.#bySocket].sort((a, b) => b[1] - a[1])) {
      if (excess <= 0) break;
      excess -= held;
      this.forget(socket);
      cut.push(socket);
    }
    return cut;
  }

  sent(socket: Socket, bytes: number): void {
    this.#bySocket.set(socket, (this.#bySocket.get(socket) ?? 0) + bytes);
    this.#total += bytes;
  }

  /** ws reported `bytes` of the socket's written (or failed: a socket already forgotten counts no more). */
  written(socket: Socket, bytes: number): void {
    const held = this.#bySocket.get(socket);
    if (held === undefined) return;
    if (held > bytes) this.#bySocket.set(socket, held - bytes);
    else this.#bySocket.delete(socket);
    this.#total -= Math.min(held, bytes);
  }

  /** The socket is cut or closed: what it held is freed with it. */
  forget(socket: Socket): void {
    this.#total -= this.#bySocket.get(socket) ?? 0;
    this.#bySocket.delete(socket);
  }
}

/** What the adapter keeps of each connection: its socket, the subscribe messages being handled (by id, and in all), and the signal of each operation running. */
interface SocketExtra {
  socket: WebSocket;
  handling: Map<string, number>;
  open: { count: number };
  operations: Map<string, AbortController>;
  /** Whether graphql-ws holds the id as an operation its client has not completed (set once the connection is acknowledged). */
  runs: (id: string) => boolean;
}

/**
 * A message as graphql-ws is to read it, and the id of a graphql-transport-ws subscribe message
 * (graphql-ws validates the message itself). graphql-ws holds the text it is handed for as long as
 * the operation runs (its handler awaits the operation), so a long subscribe message is handed on
 * rebuilt from what is read of it: the document, the operation's name, the variables it declares,
 * and Apollo's `persistedQuery`. 1 MB of anything else held 1 MB per subscription, and more once
 * parsed (useArgumentLimits and dropUnreadExtensions empty the parsed message of the rest).
 */
function operationMessageOf(text: string, maxTokens: number): { id: string | undefined; text: string } {
  try {
    const message = JSON.parse(text) as { type?: unknown; id?: unknown; payload?: { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown } } | null;
    if (message?.type !== 'subscribe' || typeof message.id !== 'string') return { id: undefined, text };
    const { query, operationName, variables, extensions } = message.payload ?? {};
    if (text.length <= LONG_MESSAGE || typeof query !== 'string') return { id: message.id, text };
    const declared = declaredVariables(query, operationName, maxTokens);
    const payload = {
      query,
      operationName,
      variables: typeof variables === 'object' && variables !== null && !Array.isArray(variables) ? Object.fromEntries(Object.entries(variables).filter(([name]) => declared.has(name))) : variables,
      extensions,
    };
    dropUnreadExtensions(extensions);
    return { id: message.id, text: JSON.stringify({ id: message.id, type: 'subscribe', payload }) };
  } catch {
    return { id: undefined, text };
  }
}

/** Whether graphql-ws takes the message as well-formed: one that is not closes the socket (4400), whatever its id (a reviewer's pass). */
function wellFormed(text: string): boolean {
  try {
    parseMessage(text);
    return true;
  } catch {
    return false;
  }
}

/** Characters an operation id may have: a UUID has 36, a counter a few. */
const MAX_OPERATION_ID_LENGTH = 128;

/** Characters past which a subscribe message is worth reading twice (operationMessageOf): more than most documents and their variables. */
const LONG_MESSAGE = 8 * 1024;

/** Listeners an operation's signal may hold unwarned: its live watches, as many as MAX_COST lets one query read (Callers allows as many vendor calls). */
const MAX_WATCHES_PER_OPERATION = 10_000;

/** How often a WebSocket is pinged, and how long its pong may take (graphql-ws's own default). */
const KEEP_ALIVE_MS = 12_000;

/** Yoga's enveloped execute and subscribe for one operation, handed to graphql-ws as its root value (the recipe's way). */
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

/**
 * The gateway with what it is built from: the vendors' clients and the live registry (with
 * REDIS_URL, each watched pair is polled by one instance of several). server.ts and the tests'
 * gateway both start here, so the tests run the wiring production runs. The caller owns and
 * closes what it returns.
 */
export function assembleGateway(
  config: Readonly<Config>,
  baseUrls: Partial<Record<ProviderKey, URL>>,
  deps: Pick<GatewayDeps, 'logger' | 'metrics'> & { lifecycle: { draining: boolean } },
) {
  const upstreams = createUpstreams(config, baseUrls, deps.logger, { metrics: deps.metrics.vendor });
  const pollWorker = config.livePollWorker ? startPollWorker(config, baseUrls, deps) : undefined;
  const paused = (provider: Provider) => upstreams.upstreams[provider]?.breakerState() === 'open' || (pollWorker?.paused(provider) ?? false);
  const live = createLiveRegistry({
    settings: config.live,
    paused,
    hooks: deps.metrics.live,
    ...(pollWorker ? { reader: pollWorker } : {}),
    ...(config.redisUrl ? { coordinator: createRedisCoordinator({ url: config.redisUrl, settings: config.live, paused, logger: deps.logger }) } : {}),
  });
  deps.metrics.watchLive(live);
  const gateway = createGateway({ config, adapters: upstreams.adapters, live, upstreams: upstreams.upstreams, ...deps });
  return { upstreams, live, gateway };
}

/** The poll worker reads with the vendors' policies, in a pool of its own (its polls never wait behind queries). */
function startPollWorker(config: Readonly<Config>, baseUrls: Partial<Record<ProviderKey, URL>>, deps: Pick<GatewayDeps, 'logger' | 'metrics'>) {
  return createPollWorker({
    data: {
      baseUrls: Object.fromEntries(Object.entries(baseUrls).map(([key, url]) => [key, url.href])),
      upstreams: config.upstreams,
      messengerPaths: config.messengerPaths,
      maxPageSize: config.maxPageSize,
      // As the main thread logs: its level, and lines for humans on a terminal (server.ts).
      logLevel: deps.logger.level,
      logPretty: config.logPretty ?? process.stdout.isTTY === true,
    },
    metrics: deps.metrics.vendor,
    logger: deps.logger,
  });
}
