import { GraphQLError } from 'graphql';
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
 * 200), so the flag goes too and the 400 stays.
 */
export function useErrorCodes(): Plugin {
  const safe = (error: GraphQLError) => Boolean(error.extensions?.code) && !error.extensions?.originalError;
  const withCode = (error: GraphQLError) => {
    if (safe(error)) return error;
    const { originalError, ...extensions } = error.extensions ?? {};
    const http = extensions.http as { status?: number } | undefined;
    if (originalError && http?.status) extensions.http = { status: http.status };
    return new GraphQLError(error.path ? 'Unexpected error.' : error.message, {
      nodes: error.nodes ?? null,
      source: error.source ?? null,
      positions: error.positions ?? null,
      path: error.path ?? null,
      extensions: { ...extensions, code: extensions.code ?? (error.path ? 'INTERNAL_SERVER_ERROR' : 'GRAPHQL_VALIDATION_FAILED') },
    });
  };
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      if (result.errors.every((e) => safe(e as GraphQLError))) return;
      setResult({ ...result, errors: result.errors.map((e) => withCode(e as GraphQLError)) });
    },
  };
}
