/**
 * `query … @live`: @envelop/live-query with @n1ru4l/in-memory-live-query-store runs the query
 * again whenever the store is told that something it read changed. What it read is what its
 * loaders read (never guessed from the document): each chatroom and message is watched in the
 * live registry with the caller's credential, and a change the shared poller finds invalidates
 * that one execution. A run after a change reads the poller's latest states through its loaders,
 * so however many live queries watch a resource, the vendor sees one poll per interval.
 *
 * Fields read outside the loaders, which no poll watches, are refused in a @live query (below). A
 * @live query ends after a result that watches nothing or has errors, and one is refused before it
 * runs when the gateway, or every credential it carries, is at its subscription limit; else each
 * read past the limit is refused, the vendor not called.
 */
import { hash, randomUUID } from 'node:crypto';
import { useLiveQuery } from '@envelop/live-query';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { InMemoryLiveQueryStore } from '@n1ru4l/in-memory-live-query-store';
import { GraphQLError, Kind, getOperationAST, visit, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Adapters, Context } from '../context.js';
import { GatewayError } from '../errors.js';
import { createLoaders } from '../loaders/createLoaders.js';
import { isIncremental, isLiveOperation, liveThrottle } from '../plugins/directives.js';
import type { Feed, LiveRegistry, LiveResource, Reservation } from './registry.js';
import { chatroomResource, messageResource } from './resources.js';

/** Where one execution's own key travels: the root value its root fields see. */
const LIVE_KEY = Symbol('live query key');

/**
 * Every root query field reports its execution's key to the store, so a change invalidates the
 * one execution that read it (the store otherwise knows only `Type:id` pairs, shared by every
 * caller whatever their credential).
 */
export function withLiveQueryKeys(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.QUERY_ROOT_FIELD]: (field) => ({
      ...field,
      extensions: {
        ...field.extensions,
        liveQuery: { collectResourceIdentifiers: (root: Record<symbol, string> | undefined) => root?.[LIVE_KEY] },
      },
    }),
  });
}

interface Read {
  resource: LiveResource<unknown>;
  value: unknown;
  /** Read from the poller's latest state (peek), not from the vendor. */
  polled: boolean;
}

/** How long a @live query waits for more changes before it runs again: the polls of one wake-up answer within about this. */
const COALESCE_MS = 25;

/** Runs each @live execution with loaders that record what they read, and watches it. */
/** The longest `@live(throttle:)`, in ms: its runs, and so its last result, wait that long. */
export const MAX_LIVE_THROTTLE_MS = 60_000;

/**
 * `@live(throttle: ms)` holds each run back until that long after the last: the one that sends a
 * 401's coded error and ends the query too. An attacker's throttle of 2^31 − 1 kept a query open
 * for 24 days after its watches had ended, uncounted, showing its old state as live.
 */
function throttleRefusal(throttle: unknown): GatewayError | undefined {
  // A variable comes as sent (graphql-js coerces it only later): an object whose valueOf threw
  // failed the comparison below as an INTERNAL_SERVER_ERROR, a WebSocket's 4500 (a reviewer's pass).
  if (throttle === undefined || (Number.isInteger(throttle) && (throttle as number) >= 0 && (throttle as number) <= MAX_LIVE_THROTTLE_MS)) return undefined;
  return new GatewayError('BAD_USER_INPUT', `@live(throttle:) takes a whole number of ms from 0 to ${MAX_LIVE_THROTTLE_MS}.`);
}

function useLiveResources(registry: LiveRegistry, adapters: Adapters, store: InMemoryLiveQueryStore, counted: () => void): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const variables = args.variableValues as Record<string, unknown> | undefined;
      if (!isLiveOperation(operation, variables)) return;
      const context = args.contextValue as unknown as Context;
      const refusal = throttleRefusal(liveThrottle(operation, variables)) ?? registry.liveRefusal(context.credentials);
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      const key = `live:${randomUUID()}`;
      const watched = new Map<string, Feed<unknown>>();
      /** What the last run read of each resource it watches. */
      const lastRead = new Map<string, unknown>();
      let ended = false;
      // The results of runs that left nothing watched: the stream ends with the first one sent.
      const finals = new WeakSet<ExecutionResult>();
      // Ends the stream from outside a result (set once the stream is).
      let stop = () => {};
      // The store runs the query once per invalidation, runs overlapping: 100 rooms renamed in one
      // batch ran a query over them ~100 times (an attacker's pass). Changes within COALESCE_MS of
      // the first make one run, and a change during a run one more once it is done (the store
      // only knows a run once its result is back, which the wait also leaves time for).
      let running = false;
      let again = false;
      let soon: NodeJS.Timeout | undefined;
      const invalidate = () => {
        soon ??= setTimeout(() => {
          soon = undefined;
          if (running) again = true;
          else void store.invalidate(key);
        }, COALESCE_MS);
      };

      const invalidateOnChange = async (name: string, feed: Feed<unknown>, read: Read) => {
        const { resource } = read;
        let first = true;
        let lastWord = false;
        // A state other than the last run read runs the query again, and so does the resource's
        // end (gone, a revoked credential), its last word. One the run read already does not: a
        // run that read the vendor after a write sent the same result again when the write's
        // re-poll came. But any state that comes during a run does, once it is done: the run may
        // have read the one before (a change undone during a run looked like the state the run
        // before had read, and the result stayed on the change; a reviewer's finding). The first
        // state is the pair's when the run joined it: a pair already watched may have moved on from
        // what the run read (a change polled while the run was still reading something else), and
        // then the result is stale from the start, unless the run read the vendor after a write
        // touched the pair (peek has none since): the write's re-poll says whether anything
        // changed. A run that read the poller's state read it before that write, whenever it came.
        for await (const snapshot of feed) {
          const stale = snapshot.kind !== 'state' || !resource.same(lastRead.get(name), snapshot.value);
          if (first) {
            if (stale && (read.polled || snapshot.kind !== 'state' || registry.peek(resource, context.credentials) !== undefined)) invalidate();
          } else if (stale || running) invalidate();
          first = false;
          lastWord = snapshot.kind !== 'state';
        }
        // A feed the registry closed without a last word (shutdown) leaves the query; once none
        // is left, nothing can make it answer again.
        if (ended || lastWord || watched.get(name) !== feed) return;
        watched.delete(name);
        if (watched.size === 0) stop();
      };

      /** Watches what the last run read and no longer what it did not; refusals become errors of the result. */
      const watch = (reads: Map<string, Read>, reservations: Map<string, Reservation>) => {
        const refused: GatewayError[] = [];
        for (const [name, feed] of watched) {
          if (reads.has(name)) continue;
          void feed.return();
          watched.delete(name);
          lastRead.delete(name);
        }
        for (const [name, read] of reads) {
          if (watched.has(name)) {
            lastRead.set(name, read.value);
            continue;
          }
          try {
            const feed = registry.watch(read.resource, context.credentials, { known: read.value, until: context.clientGone, reservation: reservations.get(name) });
            watched.set(name, feed);
            lastRead.set(name, read.value);
            void invalidateOnChange(name, feed, read);
          } catch (error) {
            if (!(error instanceof GatewayError)) throw error;
            refused.push(error);
          }
        }
        return refused;
      };

      const end = () => {
        ended = true;
        clearTimeout(soon);
        for (const feed of watched.values()) void feed.return();
        watched.clear();
      };

      const run = async (runArgs: Parameters<Parameters<typeof setExecuteFn>[0]>[0]) => {
        const reads = new Map<string, Read>();
        const nameOf = (resource: LiveResource<unknown>) => `${resource.provider}|${resource.key}`;
        const polled = new Set<string>();
        // Places held for what the run reads and does not watch yet. Refused, the read is the
        // field's error, and the vendor is not called.
        const reservations = new Map<string, Reservation>();
        const known = <T>(resource: LiveResource<T>) => {
          const name = nameOf(resource as LiveResource<unknown>);
          if (!watched.has(name) && !reservations.has(name)) reservations.set(name, registry.reserve(resource.provider, context.credentials));
          const value = registry.peek(resource, context.credentials);
          if (value !== undefined) polled.add(name);
          return value;
        };
        const read = (resource: LiveResource<unknown>, value: unknown) => {
          const name = nameOf(resource);
          reads.set(name, { resource, value, polled: polled.has(name) });
        };
        const room = (ref: Parameters<typeof chatroomResource>[1]) => chatroomResource(adapters[ref.provider], ref);
        const message = (ref: { provider: keyof Adapters; providerId: string }) =>
          messageResource(adapters[ref.provider], ref.provider, ref.providerId);
        // Fresh loaders for every run: the request's would answer from their cache, unchanged.
        context.loaders = createLoaders(adapters, context.credentials, () => context.callers.signal, {
          knownChatroom: (ref) => known(room(ref)),
          knownMessage: (ref) => known(message(ref)),
          readChatroom: (ref, value) => read(room(ref) as LiveResource<unknown>, value),
          readMessage: (ref, value) => read(message(ref) as LiveResource<unknown>, value),
        });
        let result: ExecutionResult;
        let refused: GatewayError[];
        try {
          result = (await executeFn({ ...runArgs, rootValue: { [LIVE_KEY]: key } })) as ExecutionResult;
          // A run that ends after its stream did never answers: the store (0.11) would track it
          // again, its stream's release already done, and keep it for good with all it holds (an
          // attacker's pass: subscribe then complete at once held ~24 KB of heap each). Unanswered,
          // the run and the store's closures waiting on it are garbage together.
          if (ended) return new Promise<never>(() => {});
          refused = watch(reads, reservations);
        } finally {
          for (const reservation of reservations.values()) reservation.release();
        }
        const answer = refused.length ? { ...result, errors: [...(result.errors ?? []), ...refused] } : result;
        // Its last run: one that watches nothing, or one with errors. A watched resource is read
        // from its poll's state, so an error is a read the poller does not make (a chatroom gone,
        // a credential refused, a watch refused), which every later run would make again, at the
        // vendor, once per change of anything else it watches.
        if (watched.size === 0 || answer.errors?.length) finals.add(answer);
        return answer;
      };
      setExecuteFn(async (runArgs) => {
        counted();
        running = true;
        try {
          return await run(runArgs);
        } finally {
          running = false;
          if (again && !ended) invalidate();
          again = false;
        }
      });
      return {
        onExecuteDone: ({ result, setResult }) => {
          if (!isAsyncIterable(result)) {
            end();
            return undefined;
          }
          const stream = endingAfter(result as AsyncIterable<ExecutionResult>, finals);
          stop = stream.stop;
          setResult(stream.results);
          return { onEnd: end };
        },
      };
    },
  };
}

/**
 * A @live query's results as the store sends them (on the very object a run returned), latest
 * first, and none that says what the last one handed on said: they are read from the store as it
 * sends them, and one its consumer has not taken yet is replaced by the next (the whole result
 * again, so nothing is lost), where the store's own queue kept every one for a client that
 * stopped reading, until the heap ran out. It ends after
 * the first of `finals` (a run after which nothing could make it run again) or at `stop()`. A
 * client's return() reaches the store's iterator at once, even while a next() waits.
 */
export function endingAfter(results: AsyncIterable<ExecutionResult>, finals: WeakSet<ExecutionResult>) {
  const source = results[Symbol.asyncIterator]();
  const done = { done: true, value: undefined } as const;
  let latest: ExecutionResult | undefined;
  let failure: { error: unknown } | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    if (!finished) {
      finished = true;
      void source.return?.();
    }
    wake?.();
  };
  void (async () => {
    try {
      while (!finished) {
        const step = await source.next();
        if (step.done) break;
        latest = step.value;
        if (finals.has(step.value)) stop();
        wake?.();
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake?.();
    }
  })();
  // What the last result handed on said (a digest, not the text): a run that read nothing new for
  // the query, or only fields it does not select, sent the same result again (the first result of
  // every @live query came twice, a new user's and an attacker's pass).
  let delivered: string | undefined;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      for (;;) {
        while (latest === undefined && !finished) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (latest === undefined) break;
        const value = latest;
        latest = undefined;
        // A last result ends the stream, whatever it says; one that makes no JSON is taken as new
        // (its transport refuses it, not this).
        if (!finals.has(value)) {
          const said = digestOf(value);
          if (said !== undefined && said === delivered) continue;
          delivered = said;
        }
        return { done: false, value };
      }
      if (failure) throw failure.error;
      return done;
    },
    async return() {
      latest = undefined;
      stop();
      return done;
    },
  };
  return { results: iterator, stop };
}

/** A result's JSON as a digest, or undefined for one that makes no JSON (a cycle, a BigInt). */
function digestOf(result: ExecutionResult): string | undefined {
  try {
    return hash('sha256', JSON.stringify(result), 'base64url');
  } catch {
    return undefined;
  }
}

/**
 * A @live operation that asks for @defer or @stream (in its fragments too) is refused: a live
 * result is sent whole each time. It stands for @envelop/live-query's own rule, which refused
 * @defer in any fragment definition, @live or not, as mixing it with @live; another operation of
 * the document may defer.
 */
const noIncrementalLive: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (isLiveOperation(operation) && [operation, ...context.getRecursivelyReferencedFragments(operation)].some(isIncremental)) {
      context.reportError(new GraphQLError('A @live query cannot ask for @defer or @stream: each of its results is sent whole.', { nodes: operation }));
    }
  },
});

/**
 * Root fields a @live query may not read: the lists (organizationChatrooms, eventChatroom) are read
 * outside the loaders, from the vendor at every run, which any change of a room it watches starts:
 * 100 live queries of 25 list aliases each, over one watched room, made 2,100 Messenger calls per
 * rename, outside the poll budget (an attacker's pass). Introspection never changes, and 200 live
 * copies of `__schema` cost 2–3 s of CPU per rename.
 */
const UNWATCHED = new Map([
  ['organizationChatrooms', 'use the organizationChatroomsChanged subscription for a live list'],
  ['eventChatroom', 'read the chatroom by its id instead'],
  ['__schema', 'introspection never changes'],
  ['__type', 'introspection never changes'],
]);

const onlyWatchedLive: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (!isLiveOperation(operation)) return;
    for (const definition of [operation, ...context.getRecursivelyReferencedFragments(operation)]) {
      visit(definition, {
        Field(field) {
          const why = UNWATCHED.get(field.name.value);
          if (why) context.reportError(new GraphQLError(`A @live query reads only chatrooms and messages, which polls watch, not ${field.name.value}: ${why}.`, { nodes: field }));
        },
      });
    }
  },
});

type Execute = Parameters<InMemoryLiveQueryStore['makeExecute']>[0];
type LiveExecute = ReturnType<InMemoryLiveQueryStore['makeExecute']>;

/**
 * The store, shown only the operation it runs live, without its selections. Besides the
 * operation's @live directive, the store reads an identifier for every root field with an `id`
 * argument in the whole document, coercing that argument from the variables as sent: it threw for
 * a variable left to its default, or one of another operation of the document, or one missing or
 * null, outside any error handling (an attacker's pass: over a WebSocket, the socket closed with
 * 4500 and every subscription on it). Those identifiers serve nothing here, where each execution
 * is invalidated by its own key (LIVE_KEY); the execution itself runs the document as sent, whose
 * variables graphql-js coerces as for any query, refusing bad ones with the same errors.
 */
function withoutRootFieldIdentifiers(store: InMemoryLiveQueryStore) {
  const shown = new WeakMap<OperationDefinitionNode, DocumentNode>();
  const documents = new WeakMap<DocumentNode, DocumentNode>();
  return {
    makeExecute(execute: Execute): LiveExecute {
      const live = store.makeExecute((args) => execute({ ...args, document: documents.get(args.document) ?? args.document }));
      return (args) => {
        const operation = getOperationAST(args.document, args.operationName);
        if (!operation || !isLiveOperation(operation, args.variableValues as Record<string, unknown> | undefined)) return live(args);
        let document = shown.get(operation);
        if (!document) {
          document = { kind: Kind.DOCUMENT, definitions: [{ ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections: [] } }] };
          shown.set(operation, document);
          documents.set(document, args.document);
        }
        return live({ ...args, document });
      };
    },
  };
}

/** The @live plugins, in the order they must run: ours first, so the store runs our execute. */
export function useLiveQueries(registry: LiveRegistry, adapters: Adapters, counted: () => void): Plugin[] {
  const store = new InMemoryLiveQueryStore();
  // @envelop/live-query types its store against the store's 0.10, which it pins for itself; it only
  // calls makeExecute, the same in 0.11.
  const liveQueryStore = withoutRootFieldIdentifiers(store) as unknown as Parameters<typeof useLiveQuery>[0]['liveQueryStore'];
  const library = useLiveQuery({ liveQueryStore }) as Plugin;
  const rules: Plugin['onValidate'] = ({ addValidationRule }) => {
    addValidationRule(noIncrementalLive);
    addValidationRule(onlyWatchedLive);
  };
  return [useLiveResources(registry, adapters, store, counted), { ...library, onValidate: rules }];
}
