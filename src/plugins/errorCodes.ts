import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every error a client sees carries `extensions.code`. Gateway errors, yoga's parse and
 * validation errors and masked errors already do. GraphQL Armor's limit errors do not, and get
 * GRAPHQL_VALIDATION_FAILED (they are refusals of the operation's shape, made before execution).
 * An uncoded error at a field path is one graphql-js raised while completing a value (yoga does
 * not mask those): it is masked here, since its message may quote a vendor's value.
 */
export function useErrorCodes(): Plugin {
  const withCode = (error: GraphQLError) =>
    error.extensions?.code
      ? error
      : new GraphQLError(error.path ? 'Unexpected error.' : error.message, {
          nodes: error.nodes ?? null,
          source: error.source ?? null,
          positions: error.positions ?? null,
          path: error.path ?? null,
          extensions: { ...error.extensions, code: error.path ? 'INTERNAL_SERVER_ERROR' : 'GRAPHQL_VALIDATION_FAILED' },
        });
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      if (result.errors.every((e) => e.extensions?.code)) return;
      setResult({ ...result, errors: result.errors.map((e) => withCode(e as GraphQLError)) });
    },
  };
}
