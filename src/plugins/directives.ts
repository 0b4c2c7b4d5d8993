/** What a document asks for by its directives, which several plugins decide on. */
import { BREAK, getOperationAST, visit, type ASTNode, type ExecutionArgs, type OperationDefinitionNode } from 'graphql';

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

/** The operation to run (getOperationAST's answer) carries @live. */
export function isLiveOperation(operation: OperationDefinitionNode | null | undefined): boolean {
  return operation?.directives?.some((d) => d.name.value === 'live') ?? false;
}

/** Whether a document (or one definition of it) uses any of the directives named anywhere. */
export function usesDirective(node: ASTNode, names: readonly string[]): boolean {
  let found = false;
  visit(node, {
    Directive(node) {
      if (names.includes(node.name.value)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Whether a document (or one definition of it) asks for incremental delivery anywhere (@defer or @stream). */
export const isIncremental = (node: ASTNode): boolean => usesDirective(node, INCREMENTAL);

const INCREMENTAL = ['defer', 'stream'];
