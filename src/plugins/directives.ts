/** What a document asks for by its directives, which several plugins decide on. */
import { BREAK, visit, type ASTNode, type OperationDefinitionNode } from 'graphql';

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
