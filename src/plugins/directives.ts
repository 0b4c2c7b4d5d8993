/** What a document asks for by its directives, which several plugins decide on. */
import { GraphQLLiveDirective } from '@envelop/live-query';
import { BREAK, getDirectiveValues, getOperationAST, visit, type ASTNode, type ExecutionArgs, type OperationDefinitionNode } from 'graphql';

/**
 * `read` of the operation an execution runs, found once per operation: by its node in the parsed
 * document, which yoga's parser cache hands out once per query text. Undefined for a document with
 * no such operation. Keyed by the document and its operationName instead, a cache grew by every
 * name a client sent, known or not (a reviewer's pass).
 */
export function perOperation<T>(read: (args: ExecutionArgs, operation: OperationDefinitionNode) => T): (args: ExecutionArgs) => T | undefined {
  const found = new WeakMap<OperationDefinitionNode, T>();
  return (args) => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return undefined;
    if (found.has(operation)) return found.get(operation);
    const value = read(args, operation);
    found.set(operation, value);
    return value;
  };
}

/**
 * The operation to run (getOperationAST's answer) is @live as @envelop/live-query reads it, from
 * the raw variables: its `if:` is true, or not given (a variable not sent takes the directive's
 * default, true, whatever the operation declares). Without the variables (validation), a
 * condition by variable counts as live. `@live(if: false)` had been refused as a stream to a
 * client accepting JSON, though it runs as a plain query (an attacker's pass).
 */
export function isLiveOperation(operation: OperationDefinitionNode | null | undefined, variables?: Record<string, unknown> | null): boolean {
  try {
    return liveArguments(operation, variables)?.if === true;
  } catch {
    // A condition of the wrong type, which validation refuses.
    return true;
  }
}

/** A live operation's `@live(throttle:)`, if given, from a variable as sent (isLiveOperation has read its directive). */
export const liveThrottle = (operation: OperationDefinitionNode | null | undefined, variables?: Record<string, unknown> | null): unknown =>
  liveArguments(operation, variables)?.throttle ?? undefined;

/** The arguments of an operation's @live, variables read as sent, or undefined for an operation without it. */
function liveArguments(operation: OperationDefinitionNode | null | undefined, variables?: Record<string, unknown> | null) {
  const live = operation?.directives?.find((directive) => directive.name.value === 'live');
  return live ? getDirectiveValues(GraphQLLiveDirective, { directives: [live] }, variables ?? undefined) : undefined;
}

/**
 * Whether a document (or one definition of it) uses any of the directives named, anywhere: found
 * once per node, which yoga's parser cache hands out once per query text. Walked again for every
 * request, the @stream check of validation (deferStream.ts) alone was 1.6 % of the gateway's busy
 * time under distinct callers (one CPU profile of scenario (f)).
 */
export function usesDirective(names: readonly string[]): (node: ASTNode) => boolean {
  const found = new WeakMap<ASTNode, boolean>();
  return (node) => {
    let uses = found.get(node);
    if (uses === undefined) {
      uses = false;
      visit(node, {
        Directive(directive) {
          if (!names.includes(directive.name.value)) return undefined;
          uses = true;
          return BREAK;
        },
      });
      found.set(node, uses);
    }
    return uses;
  };
}

/** Whether a document (or one definition of it) asks for incremental delivery anywhere (@defer or @stream). */
export const isIncremental = usesDirective(['defer', 'stream']);
