/** What a document asks for by its directives, which several plugins decide on. */
import { BREAK, visit, type ASTNode, type OperationDefinitionNode } from 'graphql';

/** The operation to run (getOperationAST's answer) carries @live. */
export function isLiveOperation(operation: OperationDefinitionNode | null | undefined): boolean {
  return operation?.directives?.some((d) => d.name.value === 'live') ?? false;
}

/** Whether a document (or one definition of it) asks for incremental delivery anywhere (@defer or @stream). */
export function isIncremental(node: ASTNode): boolean {
  let found = false;
  visit(node, {
    Directive(node) {
      if (node.name.value === 'defer' || node.name.value === 'stream') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
