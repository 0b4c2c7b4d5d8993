/** What a document asks for by its directives, which several plugins decide on. */
import { BREAK, visit, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** The operation to run (getOperationAST's answer) carries @live. */
export function isLiveOperation(operation: OperationDefinitionNode | null | undefined): boolean {
  return operation?.directives?.some((d) => d.name.value === 'live') ?? false;
}

/** Whether the document asks for incremental delivery anywhere (@defer or @stream). */
export function isIncremental(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
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
