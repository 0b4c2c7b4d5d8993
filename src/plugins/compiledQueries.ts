/**
 * Queries run as graphql-jit compiles them: one JavaScript function per document, instead of
 * graphql-js walking the document for every execution (docs/BENCHMARKS.md has the measured
 * effect). graphql-jit answers differently from graphql-js in three places, each handled here and
 * pinned by test/e2e/compiledQueries.test.ts, which compares every answer with graphql-js's:
 *
 * - A list item whose promise rejects is `push`ed as null at the end of the list instead of set at
 *   its index (graphql-jit 0.8.9, compileListType): `chatrooms(ids)` with a bad last ID lost that
 *   null, and other nulls moved. withSettledListItems turns a rejection into an Error value, which
 *   both engines place at its index.
 * - Its errors carry `locations` but no `nodes`, `source` or `positions`, from which yoga and
 *   useErrorCodes rebuild an error, so `locations` were lost: each becomes a graphql-js error.
 * - It coerces variables itself, with other messages ("Expected type Provider." without "Did you
 *   mean …?"): an operation refused for its variables runs again on graphql-js, which refuses it
 *   with its own message. No vendor is called either way.
 *
 * A document is compiled on its second execution, and only while the compile budget lasts:
 * compiling took 0.5–16 ms for the benchmark's queries and 85 ms for a document at the token and
 * alias limits, 5 × what parsing and validating it cost. Without the budget, anyone could make
 * the gateway spend that on every other request by sending distinct documents twice; with it,
 * compiling takes at most COMPILE_BUDGET.perSecondMs of each second (after a burst that covers a
 * frontend's whole set of documents at start), and a document past it runs on graphql-js until
 * there is budget again. On graphql-js stay mutations,
 * subscriptions, documents with @defer or @stream (which graphql-jit does not implement), and an
 * execution on a schema other than the one compiled against: the live-query store runs @live
 * queries on its own copy, whose resolvers unwrap the context it passes them.
 */
import {
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
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';
import { isIncremental } from './incremental.js';

/** Per document: executions seen so far, then its compiled query, or null if it stays on graphql-js. */
type Compilation = number | CompiledQuery | null;

/** Milliseconds of compiling: a burst, then a steady share of each second (5 % of a core). */
export const COMPILE_BUDGET = { burstMs: 500, perSecondMs: 50 };

export function useCompiledQueries(budget = COMPILE_BUDGET, clock = () => performance.now()): Plugin {
  let available = budget.burstMs;
  let refilledAt = clock();
  const affordable = () => {
    const now = clock();
    available = Math.min(budget.burstMs, available + ((now - refilledAt) * budget.perSecondMs) / 1000);
    refilledAt = now;
    return available > 0;
  };
  // Keyed by the operation's node in the parsed document, which yoga's parser cache hands out once
  // per query text: bounded by the operations the cached documents hold.
  const compilations = new WeakMap<OperationDefinitionNode, Compilation>();
  const compiled = (args: ExecutionArgs): CompiledQuery | null => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return null;
    const seen = compilations.get(operation) ?? 0;
    if (typeof seen !== 'number') return seen;
    let next: Compilation = seen + 1;
    if (operation.operation !== 'query' || isIncremental(args.document)) next = null;
    else if (seen >= 1 && affordable()) {
      const started = clock();
      const query = compileQuery(args.schema, args.document, args.operationName ?? undefined, { disablingCapturingStackErrors: true });
      available -= clock() - started;
      next = isCompiledQuery(query) ? query : null;
    }
    compilations.set(operation, next);
    return typeof next === 'number' ? null : next;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compiled(args);
      if (!query) return;
      setExecuteFn(async (execution) => {
        if (execution.schema !== args.schema) return executeFn(execution);
        const result = (await query.query(execution.rootValue, execution.contextValue, execution.variableValues)) as ExecutionResult;
        // Refused before anything ran: graphql-js's message for it.
        if (!('data' in result)) return executeFn(execution);
        const { errors, ...rest } = result;
        // Errors first, as yoga's executor orders them, so the answer's text is the same.
        return errors ? { errors: errors.map((error) => located(error, execution.document)), ...rest } : result;
      });
    },
  };
}

/** graphql-jit's error as graphql-js raises it: its locations as positions in the document's source. */
function located(error: GraphQLError, document: DocumentNode): GraphQLError {
  const source = document.loc?.source;
  if (error.nodes || !error.locations || !source) return error;
  const lineStarts = [0];
  for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(match.index + match[0].length);
  return new GraphQLError(error.message, {
    source,
    positions: error.locations.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1),
    path: error.path ?? null,
    originalError: error.originalError ?? null,
    extensions: error.extensions,
  });
}

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown> | null)?.then === 'function';
const asError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));
const settled = (items: unknown) =>
  Array.isArray(items) && items.some(isPromise) ? items.map((item) => (isPromise(item) ? item.then(undefined, asError) : item)) : items;

/**
 * Every list field with nullable items: an item whose promise rejects resolves to its Error
 * instead, which graphql-js and graphql-jit both answer as null at that index with the error.
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
