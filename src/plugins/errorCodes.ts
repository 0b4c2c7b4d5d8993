import { mapAsyncIterator } from '@graphql-tools/utils';
import { GraphQLError, Kind, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every error a client sees carries `extensions.code`. Gateway errors, yoga's parse and
 * validation errors and masked errors already do. GraphQL Armor's limit errors do not, and get
 * GRAPHQL_VALIDATION_FAILED (they are refusals of the operation's shape, made before execution).
 * An uncoded error at a field path is one graphql-js raised while completing a value (yoga does
 * not mask those): it is masked here, since its message may quote a vendor's value.
 * `extensions.originalError`, which yoga adds to a malformed JSON body's error (its message quotes
 * the whole body), is dropped: no internal error object is shown. yoga answers that error 400 to
 * an application/json client only while originalError is there (else its `spec` flag makes it
 * 200), so the flag goes too and the 400 stays. Several errors are listed in response order.
 */
export function useErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      const errors = result.errors as GraphQLError[];
      const coded = codedErrors(errors, result.data);
      if (coded !== errors) setResult({ ...result, errors: coded });
    },
  };
}

/**
 * A query's stream (@defer, @stream, @live over SSE or multipart), each result and its parts coded
 * and masked as useErrorCodes does a whole result: they pass no useErrorCodes, and came uncoded,
 * and unmasked where a whole result's error is masked (an attacker's pass found graphql-js's
 * refusal of a @live query's variable there). useEventStreams, which tells them from
 * subscriptions (coded where their events are written), applies it.
 */
export const codedStream = (results: AsyncIterable<StreamPart>) => mapAsyncIterator(results[Symbol.asyncIterator](), codedPart);

/** A result of a stream with incremental parts (graphql-js 17's shape, as yoga's executor gives it). */
interface StreamPart extends ExecutionResult {
  incremental?: readonly (ExecutionResult & { items?: unknown })[];
}

/** One result of a stream, its own errors and those of its incremental parts coded; the same object when none changes. */
function codedPart(part: StreamPart): StreamPart {
  let coded = part;
  if (part.errors?.length) {
    const errors = codedErrors(part.errors, part.data);
    if (errors !== part.errors) coded = { ...coded, errors };
  }
  if (part.incremental?.some((increment) => increment.errors?.length)) {
    const incremental = part.incremental.map((increment) =>
      increment.errors?.length ? { ...increment, errors: codedErrors(increment.errors, increment.data ?? increment.items) } : increment,
    );
    coded = { ...coded, incremental };
  }
  return coded;
}

const safe = (error: GraphQLError) => Boolean(error.extensions?.code) && !error.extensions?.originalError;

/**
 * The executor's refusal of an argument's value as the field runs (a variable with a default, given
 * null, where the argument takes none), naming only the client's own input: graphql-js locates it
 * at the value, graphql-jit at no node, both in graphql-js's words. It was masked as
 * INTERNAL_SERVER_ERROR (a reviewer's finding). A directive's `if:` refused so as the root fields
 * are collected has no path, and came as GRAPHQL_VALIDATION_FAILED (an attacker's pass): that
 * message is the executor's alone (validation words a missing or null argument otherwise).
 */
const argumentRefusal = (error: GraphQLError) =>
  (error.path ? /^Argument "\w+" /.test(error.message) : /^Argument "\w+" of non-null type "[^"]+" must not be null\.$/.test(error.message)) &&
  (error.nodes ?? []).every((node) => node.kind !== Kind.FIELD);

/**
 * graphql-js's refusal of a variable's value before the operation runs (missing, null, or not of
 * its type): the client's input, as yoga's executor codes it for a subscription. A query's came as
 * GRAPHQL_VALIDATION_FAILED, a refusal of the document (an attacker's pass); past 50 such refusals
 * it stops with a message of its own. Validation words its own refusals of variables otherwise
 * (`of type`, `is never used`, `is not defined`).
 */
const variableRefusal = (error: GraphQLError) =>
  !error.path &&
  (/^Variable "\$\w+" (got invalid value |of required type "[^"]+" was not provided\.$|of non-null type "[^"]+" must not be null\.$)/.test(error.message) ||
    error.message === 'Too many errors processing variables, error limit reached. Execution aborted.');

function withCode(error: GraphQLError) {
  if (safe(error)) return error;
  const { originalError, ...extensions } = error.extensions ?? {};
  const http = extensions.http as { status?: number } | undefined;
  if (originalError && http?.status) extensions.http = { status: http.status };
  if (!extensions.code && (argumentRefusal(error) || variableRefusal(error))) return rebuilt(error, error.message, { ...extensions, code: 'BAD_USER_INPUT' });
  const code = extensions.code ?? (error.path ? 'INTERNAL_SERVER_ERROR' : 'GRAPHQL_VALIDATION_FAILED');
  return rebuilt(error, error.path ? 'Unexpected error.' : error.message, { ...extensions, code });
}

/** `error` where it was (document, positions, path), with another message and extensions. */
export const rebuilt = (error: GraphQLError, message: string, extensions: GraphQLError['extensions']) =>
  new GraphQLError(message, { nodes: error.nodes ?? null, source: error.source ?? null, positions: error.positions ?? null, path: error.path ?? null, extensions });

/** `errors` as useErrorCodes answers them (coded, masked, in response order); `errors` itself when that changes nothing. */
export function codedErrors(errors: readonly GraphQLError[], data: unknown): readonly GraphQLError[] {
  const coded = errors.every(safe) ? errors : errors.map(withCode);
  return coded.length > 1 ? inResponseOrder(coded, data) : coded;
}

/**
 * The same for what passes neither yoga's result processing nor useErrorCodes: a WebSocket's
 * refusals and results, and the events of an SSE subscription (eventStreams.ts). yoga's notes to
 * itself are dropped as its own serializer drops them: `extensions.http` (the HTTP status a refusal
 * would have) and `extensions.unexpected` (a masked error's mark).
 */
export function codedForStreams(errors: readonly GraphQLError[], data?: unknown): GraphQLError[] {
  return codedErrors(errors, data).map((error) => {
    if (!error.extensions?.http && !error.extensions?.unexpected) return error;
    const { http: _http, unexpected: _unexpected, ...extensions } = error.extensions;
    return rebuilt(error, error.message, extensions);
  });
}

/**
 * Errors in the order of the fields they belong to in the response (request-level errors, which
 * have no path, first), rather than the order the vendors happened to answer in: the same request
 * gets the same answer, and graphql-js and graphql-jit (which lists the errors that null a parent
 * last) answer alike. Returns `errors` itself when it is in that order already.
 */
function inResponseOrder(errors: readonly GraphQLError[], data: unknown): readonly GraphQLError[] {
  // Per error, where each step of its path sits among its siblings; -1 where the data stops (a
  // null an error left), so that an error sorts before the fields beneath its own place.
  const place = (path: readonly (string | number)[] | undefined) => {
    let node = data;
    return (path ?? []).map((step) => {
      const parent = node as Record<string | number, unknown> | null | undefined;
      node = parent?.[step];
      if (typeof step === 'number') return step;
      return parent && typeof parent === 'object' ? Object.keys(parent).indexOf(step) : -1;
    });
  };
  const places = new Map(errors.map((error) => [error, place(error.path)]));
  // Beneath a null, where the response no longer tells, the document's order decides.
  const at = (error: GraphQLError) => error.locations?.[0] ?? { line: 0, column: 0 };
  const compare = (a: GraphQLError, b: GraphQLError) => {
    const [x, y] = [places.get(a)!, places.get(b)!];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length || at(a).line - at(b).line || at(a).column - at(b).column;
  };
  const sorted = [...errors].sort(compare);
  return sorted.every((error, i) => error === errors[i]) ? errors : sorted;
}
