import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { OverlappingFieldsCanBeMergedRule, type ValidationRule } from 'graphql';
import { usesDirective } from './directives.js';

/**
 * yoga's @defer and @stream plugin, its copy of OverlappingFieldsCanBeMergedRule run only for a
 * document with @stream. The plugin means to swap graphql-js's rule for that copy, which also
 * refuses one response name with differing @stream directives, but it filters a copy of the rules
 * that envelop never reads back: both ran on every document, and every field conflict was reported
 * twice. graphql-js's rule stays, whatever the document: it stops validating past a budget of
 * comparisons, which the copy, forked before that budget, lacks (2,900 repeated fields took 2 s in
 * the copy alone, 30 ms in graphql-js's), and it aborts before the copy, which runs after it, gets
 * far. A document with @stream still gets both, and a conflict there is still reported twice.
 */
export function useDeferStreamValidatedOnce(): ReturnType<typeof useDeferStream> {
  const plugin = useDeferStream();
  return {
    ...plugin,
    onValidate(payload) {
      // The array envelop validates with, which the plugin's addValidationRule calls add to.
      const { rules } = payload.params;
      plugin.onValidate?.(payload);
      if (!rules || usesStream(payload.params.documentAST)) return;
      const copy = rules.findLastIndex((rule: ValidationRule) => rule.name === OverlappingFieldsCanBeMergedRule.name && rule !== OverlappingFieldsCanBeMergedRule);
      if (copy !== -1) rules.splice(copy, 1);
    },
  };
}

const usesStream = usesDirective(['stream']);
