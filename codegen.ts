/**
 * `npm run codegen`: writes schema/schema.graphql from the Pothos schema (default settings, so no
 * opt-in secrets), typed documents for the operations the tests send, and what codegen's client
 * preset makes of a frontend's documents, trusted-documents manifest included (for the tests of
 * PERSISTED_DOCUMENTS_FILE).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { GraphQLSchema, printSchema } from 'graphql';
import { buildSchema } from './src/schema/index.js';

// With @defer and @stream, which the gateway serves (yoga's plugin adds them to the schema it runs):
// a frontend's codegen, Relay and graphcache read this file (a new user's pass: the README's own
// @defer example was an unknown directive to them).
const schema = buildSchema({ exposeVendorSecrets: false });
const served = new GraphQLSchema({ ...schema.toConfig(), directives: [...schema.getDirectives(), GraphQLDeferDirective, GraphQLStreamDirective] });

const config: CodegenConfig = {
  schema: printSchema(served),
  documents: 'test/operations/*.graphql',
  generates: {
    'schema/schema.graphql': { plugins: ['schema-ast'] },
    'test/generated/operations.ts': {
      plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
      config: { useTypeImports: true, scalars: { DateTime: 'string', Upload: 'File' } },
    },
    'test/clients/gql/': {
      documents: 'test/clients/documents/*.graphql',
      preset: 'client',
      presetConfig: { persistedDocuments: true, fragmentMasking: false },
      config: { useTypeImports: true, emitLegacyCommonJSImports: false, scalars: { DateTime: 'string', Upload: 'File' } },
    },
  },
};

export default config;
