import { hash } from 'node:crypto';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { Context } from '../context.js';
import { isIncremental, isLiveOperation } from './directives.js';

/**
 * Every caller that shared an execution gets the same result object, which yoga serializes once
 * per response; its `stringify` hook lets them share the text too (for a 100-room page that was
 * a fifth of the gateway's CPU under load). Only a result without errors is memoized: yoga hands
 * the hook a fresh copy when it strips internals from errors, and that copy is serialized as usual.
 */
function serializedOnce(executed: ExecutionResult): ExecutionResult {
  // A copy of the executor's object: the hook is ours, and nothing else holds the copy to change it.
  const result = { ...executed };
  let text: string | undefined;
  const stringify = (value: unknown) => (value === result ? (text ??= JSON.stringify(value)) : JSON.stringify(value));
  return Object.defineProperty(result, 'stringify', { value: stringify, enumerable: false });
}

/**
 * Identical queries in flight at the same time, from the same credentials, share one execution:
 * the same document (yoga's parser cache hands out one DocumentNode per query text), operation
 * name, variables and every vendor credential and option (session, build and package ids, bearer,
 * brand, tokens). The key is a hash, so no secret is kept in it. Mutations and @live queries never
 * share. Vendor reads are also shared below this (src/http/shareInFlight.ts); this saves the
 * execution itself. Incremental (@defer, @stream) executions are not shared; their vendor reads still are.
 */
export function useOperationDedup(): Plugin {
  // Per document: its id in the sharing key, or null for one with @defer or @stream, whose result
  // is a stream of parts that one caller consumes, so it is never shared.
  const documentIds = new WeakMap<DocumentNode, number | null>();
  let nextDocumentId = 0;
  // With the callers of each execution: a caller that joins keeps it alive when the first hangs up.
  const inFlight = new Map<string, { started: Promise<ExecutionResult>; callers: Context['callers'] | undefined }>();
  // Bumped when a mutation starts and when it ends: a query sent after a mutation never joins one
  // that started before it, so it sees the mutation's effect.
  let mutationEpoch = 0;
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const definition = getOperationAST(args.document, args.operationName);
      const operation = definition?.operation;
      if (operation === 'mutation') {
        mutationEpoch += 1;
        return { onExecuteDone: () => void (mutationEpoch += 1) };
      }
      // A @live query is one execution per caller: it watches what its own loaders read.
      if (operation !== 'query' || isLiveOperation(definition, args.variableValues as Record<string, unknown> | undefined)) return;
      let documentId = documentIds.get(args.document);
      if (documentId === undefined) {
        documentId = isIncremental(args.document) ? null : nextDocumentId++;
        documentIds.set(args.document, documentId);
      }
      if (documentId === null) return;
      const context = args.contextValue as unknown as Partial<Context> & Partial<YogaInitialContext>;
      const { credentials } = context;
      let shared: string;
      try {
        shared = JSON.stringify([mutationEpoch, documentId, args.operationName ?? null, args.variableValues ?? null, credentials]);
      } catch {
        // Variables nested deeper than the stack, as sent (graphql-js has not coerced them yet):
        // they make no key, and graphql-js refuses them as it runs this one alone. They were a 500,
        // and over a WebSocket a 4500 that ended its other operations (an attacker's pass).
        return;
      }
      const key = hash('sha256', shared, 'base64url');
      setExecuteFn((executionArgs) => {
        const pending = inFlight.get(key);
        // One whose callers have all gone still runs until its reads notice: joining it would
        // answer with their abandonment, so this caller runs its own.
        if (pending && !pending.callers?.gone) {
          // Its own client's signal: a caller that only joins has no work of its own to abandon.
          pending.callers?.join(context.request?.signal);
          return pending.started;
        }
        const started: Promise<ExecutionResult> = Promise.resolve(executeFn(executionArgs) as Promise<ExecutionResult>)
          .then(serializedOnce)
          .finally(() => {
            if (inFlight.get(key)?.started === started) inFlight.delete(key);
          });
        inFlight.set(key, { started, callers: context.callers });
        return started;
      });
    },
  };
}
