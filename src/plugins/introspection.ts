import { NoSchemaIntrospectionCustomRule, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { rebuilt } from './errorCodes.js';

/** graphql-js's hints: `Did you mean "name"?`, `Did you mean the enum value "IWERP"?` and the like. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** `error` without graphql-js's suggestions; itself when it has none. */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(SUGGESTION, '');
  return message === error.message ? error : rebuilt(error, message, error.extensions);
}

/**
 * INTROSPECTION: on (the default), the schema is public, so errors keep graphql-js's suggestions,
 * which help whoever is writing a query. Off, introspection is refused and every suggestion (fields,
 * arguments, types, enum values, in the document or in variables) is taken out of the messages,
 * since a caller could otherwise read the schema back from them one guess at a time. Over
 * WebSocket, whose answers pass no HTTP result processing, serveWebSocket takes them out.
 */
export function useIntrospectionPolicy(introspection: boolean): Plugin {
  if (introspection) return {};
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
