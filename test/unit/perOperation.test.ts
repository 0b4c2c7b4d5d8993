import { buildSchema, parse, type ExecutionArgs } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { perOperation } from '../../src/plugins/directives.js';

const schema = buildSchema('type Query { a: Int }');

describe('perOperation', () => {
  // A reviewer's pass: keyed by operationName, the caches of the argument limits and the stream
  // check grew by an entry per name a client sent, known or not, for as long as the document lived.
  it('reads each operation once, whatever names the executions give, and keeps nothing for a name the document lacks', () => {
    const read = vi.fn((_: ExecutionArgs, operation: { name?: { value: string } }) => operation.name?.value);
    const found = perOperation(read);
    const document = parse('query A { a } query B { a }');
    const run = (operationName?: string) => found({ schema, document, operationName });
    expect([run('A'), run('B'), run('A'), run('B')]).toEqual(['A', 'B', 'A', 'B']);
    expect(read).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 100; i++) expect(run(`unknown${i}`)).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(2);
    const single = parse('{ a }');
    expect(found({ schema, document: single })).toBeUndefined();
    expect(found({ schema, document: single, operationName: 'ignored' })).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(3);
  });
});
