import { Kind, type DefinitionNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';

/**
 * A mutation's root fields run in order, and the contract makes each one's result non-null: the
 * first that fails nulls the whole `data` and ends the operation. The writes made before it could
 * not be told from those never made, and a client that sent the operation again posted a message
 * twice (an attacker's pass). Such an answer lists them, by response key, under
 * `extensions.appliedWrites` (recordAppliedWrites, src/schema/checks.ts, records them).
 */
export function useAppliedWrites(): Plugin {
  const listed: Exclude<Awaited<ReturnType<NonNullable<Plugin['onExecute']>>>, void> = {
    onExecuteDone({ args, result, setResult }) {
      const applied = (args.contextValue as Partial<Context>).appliedWrites;
      const answer = result as ExecutionResult;
      if (!applied?.length || answer.data !== null) return;
      setResult({ ...answer, extensions: { ...answer.extensions, appliedWrites: applied } });
    },
  };
  // Only a document with a mutation is followed: the hook costs every query otherwise.
  return { onExecute: ({ args }) => (args.document.definitions.some(isMutation) ? listed : undefined) };
}

const isMutation = (definition: DefinitionNode) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === 'mutation';
