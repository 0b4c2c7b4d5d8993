import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { ExecuteHooks } from './errorCodes.js';

/**
 * A mutation's root fields run in order, and the contract makes each one's result non-null: the
 * first that fails nulls the whole `data` and ends the operation. The writes made before it could
 * not be told from those never made, and a client that sent the operation again posted a message
 * twice (an attacker's pass). Such an answer lists them, by response key, under
 * `extensions.appliedWrites` (recordAppliedWrites, src/schema/checks.ts, records them).
 */
export function useAppliedWrites(): Plugin {
  const listed: ExecuteHooks = {
    onExecuteDone({ args, result, setResult }) {
      const applied = (args.contextValue as Partial<Context>).appliedWrites;
      const answer = result as ExecutionResult;
      if (!applied?.length || answer.data !== null) return;
      setResult({ ...answer, extensions: { ...answer.extensions, appliedWrites: applied } });
    },
  };
  return { onExecute: () => listed };
}
