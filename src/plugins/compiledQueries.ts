/**
 * Queries run as graphql-jit compiles them: one JavaScript function per document, instead of
 * yoga's executor (graphql-js's algorithm, from @graphql-tools/executor) walking the document for
 * every execution. Measured in one run against the commit before: CPU per operation 0.85 × with
 * distinct callers on scenario (a), 0.67 × on (e). test/e2e/compiledQueries.test.ts compares the
 * answers with yoga's executor's, byte for byte and vendor call for vendor call, including every
 * difference below, which a differential fuzzer of about 8,000 documents found or confirmed:
 *
 * - A list item whose promise rejects is `push`ed as null at the end of the list instead of set at
 *   its index (graphql-jit 0.8.9, compileListType): `chatrooms(ids)` with a bad last ID lost that
 *   null, and other nulls moved. withSettledListItems turns a rejection into an Error value, which
 *   both executors place at its index.
 * - Its errors carry `locations` but no `nodes`, `source` or `positions`, from which yoga and
 *   useErrorCodes rebuild an error, so `locations` were lost: each becomes an error as yoga's
 *   executor raises it. (Its own errors, such as a non-null field that resolved to null, carry no
 *   originalError and other wording; useErrorCodes masks both executors' alike.)
 * - It coerces variables itself, with other messages ("Expected type Provider." without "Did you
 *   mean …?"): an operation refused for its variables runs again on yoga's executor, which refuses
 *   it with its own message. No vendor is called either way.
 * - It lists the errors that null a parent after the others; useErrorCodes lists every answer's
 *   errors in response order, whichever executor ran.
 * - It records @skip and @include conditions on the document's shared fragment nodes: a fragment
 *   skipped in one place lost its fields everywhere, even in another operation of the document;
 *   fields of a skipped selection came back, with a vendor call; keys came out of order; a null
 *   condition variable dropped the field instead of failing it. It also passes a null variable
 *   inside a list or object literal on where graphql-js refuses it. Documents with either stay on
 *   yoga's executor (compilable below), as do mutations, subscriptions, @defer and @stream (which
 *   it does not implement), and @live queries, which the live-query store runs on its own copy of
 *   the schema, whose resolvers unwrap the context it passes them.
 *
 * A document is compiled on its second execution, and only while the compile budget lasts:
 * compiling took 0.5–16 ms for the benchmark's queries and 85 ms for a document at the token and
 * alias limits, 5 × what parsing and validating it cost. Without the budget, anyone could make
 * the gateway spend that on every other request by sending distinct documents twice; with it,
 * compiling takes at most COMPILE_BUDGET.perSecondMs of each second (after a burst that covers a
 * frontend's whole set of documents at start), and a document past it runs on yoga's executor
 * until there is budget again.
 */
import {
  BREAK,
  GraphQLError,
  getNullableType,
  getOperationAST,
  isListType,
  isNonNullType,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type OperationDefinitionNode,
  visit,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { MapperKind, isPromise, mapSchema } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { isLiveOperation } from './directives.js';

/**
 * What compiling may take. Time: milliseconds of each second (5 % of a core), after a burst.
 * Memory: a compiled query holds ~550 bytes of heap per character of its document (measured: 85 KB
 * for scenario (a)'s 139 characters, 1.4 MB for (c)'s 2,665), so the compiled queries kept are
 * bounded by the characters of their documents (~27 MB at most); the least recently run go first.
 */
export const COMPILE_BUDGET = { burstMs: 500, perSecondMs: 50, maxSourceCharacters: 50_000 };

interface Compiled {
  query: CompiledQuery;
  /** The schema it was compiled against: an execution on another runs on yoga's executor. */
  schema: GraphQLSchema;
  size: number;
}

/** What became of a document due to be compiled (gateway_query_compilations_total). */
export type CompileOutcome = 'compiled' | 'over_budget' | 'failed';

export interface CompiledQueriesOptions {
  /** The time compiling may take and the characters of the documents kept compiled; default COMPILE_BUDGET. */
  budget?: typeof COMPILE_BUDGET;
  /** Milliseconds the budget refills by; default performance.now (tests step it). */
  clock?: () => number;
  /** Hears each outcome, so operators can see whether the time budget holds documents back. */
  counted?: (outcome: CompileOutcome) => void;
}

export function useCompiledQueries({ budget = COMPILE_BUDGET, clock = () => performance.now(), counted }: CompiledQueriesOptions = {}): Plugin {
  let available = budget.burstMs;
  let refilledAt = clock();
  const affordable = () => {
    const now = clock();
    available = Math.min(budget.burstMs, available + ((now - refilledAt) * budget.perSecondMs) / 1000);
    refilledAt = now;
    return available > 0;
  };
  // Per operation (its node in the parsed document, which yoga's parser cache hands out once per
  // query text): executions seen so far, or null for one that stays on yoga's executor.
  const seen = new WeakMap<OperationDefinitionNode, number | null>();
  const kept = new LRUCache<OperationDefinitionNode, Compiled>({ maxSize: budget.maxSourceCharacters, sizeCalculation: (entry) => entry.size });
  const compiled = (args: ExecutionArgs): Compiled | undefined => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return undefined;
    const entry = kept.get(operation);
    const count = seen.get(operation) ?? 0;
    if (entry || count === null) return entry;
    const size = args.document.loc?.source.body.length ?? budget.maxSourceCharacters;
    // A document larger than the memory budget could never be kept: it would compile every time.
    if (operation.operation !== 'query' || isLiveOperation(operation) || size > budget.maxSourceCharacters || !compilable(args.document)) {
      seen.set(operation, null);
      return undefined;
    }
    seen.set(operation, count + 1);
    if (count < 1) return undefined;
    if (!affordable()) {
      counted?.('over_budget');
      return undefined;
    }
    const started = clock();
    const query = compileQuery(args.schema, args.document, args.operationName ?? undefined, { disablingCapturingStackErrors: true });
    available -= clock() - started;
    if (!isCompiledQuery(query)) {
      counted?.('failed');
      seen.set(operation, null);
      return undefined;
    }
    counted?.('compiled');
    const compiledEntry = { query, schema: args.schema, size };
    kept.set(operation, compiledEntry);
    return compiledEntry;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const entry = compiled(args);
      if (!entry) return;
      setExecuteFn(async (execution) => {
        if (execution.schema !== entry.schema) return executeFn(execution);
        const result = (await entry.query.query(execution.rootValue, execution.contextValue, execution.variableValues)) as ExecutionResult;
        // Refused before anything ran: yoga's executor's message for it.
        if (!('data' in result)) return executeFn(execution);
        const { errors, ...rest } = result;
        if (!errors) return result;
        const locate = locator(execution.document);
        // Errors first, as yoga's executor orders the keys, so the answer's text is the same.
        return { errors: errors.map(locate), ...rest };
      });
    },
  };
}

const UNCOMPILED_DIRECTIVES = new Set(['skip', 'include', 'defer', 'stream']);

/** Whether graphql-jit answers the document as yoga's executor does (see the list above). */
function compilable(document: DocumentNode): boolean {
  let literals = 0;
  let found = false;
  const refuse = () => {
    found = true;
    return BREAK;
  };
  visit(document, {
    Directive: (node) => (UNCOMPILED_DIRECTIVES.has(node.name.value) ? refuse() : undefined),
    ListValue: { enter: () => void (literals += 1), leave: () => void (literals -= 1) },
    ObjectValue: { enter: () => void (literals += 1), leave: () => void (literals -= 1) },
    Variable: () => (literals > 0 ? refuse() : undefined),
  });
  return !found;
}

/**
 * graphql-jit's errors as yoga's executor raises them: locations as positions in the document's
 * source, its line starts found once per answer.
 */
function locator(document: DocumentNode): (error: GraphQLError) => GraphQLError {
  const source = document.loc?.source;
  let lineStarts: number[] | undefined;
  return (error) => {
    if (error.nodes || !error.locations || !source) return error;
    if (!lineStarts) {
      lineStarts = [0];
      for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(match.index + match[0].length);
    }
    const starts = lineStarts;
    return new GraphQLError(error.message, {
      source,
      positions: error.locations.map(({ line, column }) => (starts[line - 1] ?? 0) + column - 1),
      path: error.path ?? null,
      originalError: error.originalError ?? null,
      extensions: error.extensions,
    });
  };
}

const asError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));
const settled = (items: unknown) =>
  Array.isArray(items) && items.some(isPromise) ? items.map((item) => (isPromise(item) ? item.then(undefined, asError) : item)) : items;

/**
 * Every list field with nullable items: an item whose promise rejects resolves to its Error
 * instead, which both executors answer as null at that index with the error.
 */
export function withSettledListItems(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const type = getNullableType(field.type);
      if (!isListType(type) || isNonNullType(type.ofType) || !field.resolve) return field;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve;
      return {
        ...field,
        resolve: (source, args, context, info) => {
          const items = resolve(source, args, context, info);
          return isPromise(items) ? items.then(settled) : settled(items);
        },
      };
    },
  });
}
