import { BREAK, visit, type DocumentNode } from 'graphql';

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
