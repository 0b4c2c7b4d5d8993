/**
 * Subscriptions over SSE (graphql-sse's distinct connections, as yoga serves them) written straight
 * to Node's response. yoga's SSE processor answers with a web ReadableStream that whatwg-node turns
 * into a Node Readable piped into the response, with a ping timer, a text encoder and a dozen bound
 * functions per stream: 5,000 SSE subscribers held ~4 KB of heap each in them (a heap snapshot of
 * 640 subscribers), for events that are a few hundred bytes a poll interval apart. Here yoga still
 * parses, validates, limits and executes the subscription and builds the Response (status, CORS
 * headers); only its body is left unread: the server writes each event to the socket as the
 * subscription yields it (sendEventStream), pings every open stream from one timer, and ends the
 * subscription when its client goes. The same events, byte for byte, as yoga's processor. A caller
 * of yoga's fetch API (tests, no socket) reads them from the body, without pings.
 *
 * Queries over SSE (@defer, @stream, @live) keep yoga's processor: they are few and short-lived.
 * Their results are coded on the way (codedStream), as no useErrorCodes sees them.
 */
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { ServerResponse } from 'node:http';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { codedForStreams, codedStream } from './errorCodes.js';

/** yoga's SSE headers (and the ping that opens a stream: some browsers wait for a first byte). */
const HEADERS = { 'content-type': 'text/event-stream', connection: 'keep-alive', 'cache-control': 'no-store', 'content-encoding': 'none' };
const PING = Buffer.from(':\n\n');
const COMPLETE = 'event: complete\ndata:\n\n';
/** As yoga's: keeps proxies and load balancers from closing a quiet stream as idle. */
const PING_INTERVAL_MS = 12_000;

const eventText = (result: ExecutionResult) => {
  const errors = result.errors?.length ? codedForStreams(result.errors as GraphQLError[], result.data) : undefined;
  return `event: next\ndata: ${JSON.stringify(errors ? { ...result, errors } : result)}\n\n`;
};

/**
 * A subscription's results as the bytes of its event stream (what a Response body yields): the
 * opening ping, an event per result, `complete`.
 */
class EventText implements AsyncIterableIterator<Buffer> {
  private opened = false;
  private ended = false;
  constructor(private readonly results: AsyncIterator<ExecutionResult>) {}
  [Symbol.asyncIterator]() {
    return this;
  }
  async next(): Promise<IteratorResult<Buffer, undefined>> {
    if (this.ended) return { done: true, value: undefined };
    if (!this.opened) {
      this.opened = true;
      return { done: false, value: PING };
    }
    const { done, value } = await this.results.next();
    if (!done) return { done: false, value: Buffer.from(eventText(value)) };
    this.ended = true;
    return { done: false, value: Buffer.from(value ? eventText(value) + COMPLETE : COMPLETE) };
  }
  /** Ends the subscription at once, even while a `next()` waits for its next result. */
  async return(): Promise<IteratorResult<Buffer, undefined>> {
    this.ended = true;
    await this.results.return?.();
    return { done: true, value: undefined };
  }
}

/** The event text of each subscription's Response, for sendEventStream. */
const streams = new WeakMap<Response, EventText>();

/** Answers subscriptions that yoga would stream as SSE with a Response sendEventStream writes. */
export function useEventStreams(): Plugin {
  const subscriptions = new WeakSet<Request>();
  return {
    onSubscribe({ args }) {
      const { request } = args.contextValue as { request?: Request };
      if (request) subscriptions.add(request);
    },
    onResultProcess({ request, result, setResult, resultProcessor, setResultProcessor }) {
      if (!isAsyncIterable(result)) return;
      // No media type the client accepts can carry the stream (no later plugin sets a processor):
      // yoga answers 406 and never reads it, and the execution went on, polled and counted against
      // the subscription limits until a restart (an attacker's pass; Apollo Client's HttpLink sends
      // such an Accept for a @live query). It ends here.
      if (!resultProcessor) {
        result[Symbol.asyncIterator]()
          .return?.()
          ?.catch(() => undefined);
        return;
      }
      // A query's stream keeps yoga's processor, its results coded on the way.
      if (!subscriptions.has(request)) {
        setResult(codedStream(result as AsyncIterable<ExecutionResult>));
        return;
      }
      // A subscription's stream has one media type yoga can answer it in: a processor chosen for it is SSE.
      setResultProcessor((stream, fetchAPI) => {
        const events = new EventText((stream as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]());
        // The body is only read when no socket is there to write to (a fetch API caller); whatwg-node's
        // Response takes an async iterable, which the DOM's BodyInit type does not list.
        const response = new fetchAPI.Response(events as unknown as ReadableStream, { status: 200, headers: HEADERS });
        streams.set(response, events);
        return response;
      }, 'text/event-stream');
    },
  };
}

/** Streams open on this process, pinged together. */
const open = new Set<ServerResponse>();
let pinging: NodeJS.Timeout | undefined;

function ping() {
  // A stream whose client is not reading gets no more: the next event will tell it.
  for (const response of open) if (!response.writableNeedDrain) response.write(PING);
}

/** Resolves when the response can take more, or has closed. */
const drained = (response: ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      response.off('drain', done).off('close', done);
      resolve();
    };
    response.on('drain', done).on('close', done);
  });

/**
 * Writes a subscription's events to its socket when `answer` is one useEventStreams made, and
 * says whether it was. Its client's going ends the subscription (its polls stop with it), also
 * when it went while the subscription was being set up; an event waits while the client does not
 * read the one before, so a slow client holds the newest state, never a queue. A subscription's
 * failure is an event (yoga masks it) and its end; should its stream reject all the same, the
 * connection is cut, as yoga's stream did.
 */
export function sendEventStream(answer: Response, response: ServerResponse, logger: Pick<Logger, 'error'>): boolean {
  const events = streams.get(answer);
  if (!events) return false;
  const end = () => events.return().catch((error: unknown) => logger.error({ err: error }, 'Ending a subscription failed'));
  // Its 'close' has come already: no other will (a reviewer's finding: such a stream waited for a
  // drain for good, pinged, with its subscription open; 28 KB of heap each).
  if (response.destroyed) {
    void end();
    return true;
  }
  let closed = false;
  const stop = () => {
    open.delete(response);
    if (open.size > 0) return;
    clearInterval(pinging);
    pinging = undefined;
  };
  response.once('close', () => {
    closed = true;
    stop();
    void end();
  });
  response.writeHead(answer.status, Object.fromEntries(answer.headers));
  open.add(response);
  pinging ??= setInterval(ping, PING_INTERVAL_MS).unref();
  void (async () => {
    for (let step = await events.next(); !step.done && !closed; step = await events.next()) {
      if (!response.write(step.value)) await drained(response);
    }
    stop();
    if (!closed) response.end();
  })().catch((error: unknown) => {
    stop();
    response.destroy(error instanceof Error ? error : undefined);
  });
  return true;
}
