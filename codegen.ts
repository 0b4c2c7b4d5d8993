/**
 * `npm run codegen`: writes schema/schema.graphql from the Pothos schema (default settings, so no
 * opt-in secrets), typed documents for the operations the tests send, and what codegen's client
 * preset makes of a frontend's documents, trusted-documents manifest included (for the tests of
 * PERSISTED_DOCUMENTS_FILE).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { buildSchema } from './src/schema/index.js';

const config: CodegenConfig = {
  schema: printSchema(buildSchema({ exposeVendorSecrets: false })),
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
