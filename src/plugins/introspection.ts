import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** graphql-js's hints: `Did you mean "name"?`, `Did you mean the enum value "IWERP"?` and the like. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * INTROSPECTION: on (the default), the schema is public, so errors keep graphql-js's suggestions,
 * which help whoever is writing a query. Off, introspection is refused and every suggestion (fields,
 * arguments, types, enum values, in the document or in variables) is taken out of the messages,
 * since a caller could otherwise read the schema back from them one guess at a time.
 */
export function useIntrospectionPolicy(introspection: boolean): Plugin {
  if (introspection) return {};
  const withoutSuggestions = (error: GraphQLError) => {
    const message = error.message.replace(SUGGESTION, '');
    if (message === error.message) return error;
    return new GraphQLError(message, {
      nodes: error.nodes ?? null,
      source: error.source ?? null,
      positions: error.positions ?? null,
      path: error.path ?? null,
      extensions: error.extensions,
    });
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      setResult({ ...result, errors: result.errors.map((e) => withoutSuggestions(e as GraphQLError)) });
    },
  };
}
