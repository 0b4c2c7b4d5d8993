/**
 * Writes schema/possibleTypes.json: every interface and union of the schema with the object types
 * that implement it, in the shape Apollo Client's InMemoryCache takes as `possibleTypes` (and
 * urql's graphcache derives from `schema`). Without it a client cannot tell whether a fragment on
 * `Participant` matches an `IwerpParticipant`, and drops the fragment's fields.
 */
import { writeFile } from 'node:fs/promises';
import { isAbstractType, type GraphQLSchema } from 'graphql';
import { buildSchema } from '../src/schema/index.js';

export function renderPossibleTypes(schema: GraphQLSchema = buildSchema({ exposeVendorSecrets: false })): string {
  const possibleTypes: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isAbstractType(type) || type.name.startsWith('__')) continue;
    possibleTypes[type.name] = schema.getPossibleTypes(type).map((t) => t.name).sort();
  }
  const sorted = Object.fromEntries(Object.entries(possibleTypes).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(new URL('../schema/possibleTypes.json', import.meta.url), renderPossibleTypes());
}
