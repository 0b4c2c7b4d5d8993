import { GraphQLError } from 'graphql';
import { expect, it } from 'vitest';
import { codedForStreams } from '../../src/plugins/errorCodes.js';

it("answers a stream's errors (WebSocket, SSE events) as yoga answers HTTP: coded, masked, without yoga's notes to itself", () => {
  const errors = [
    // yoga's masked error carries `unexpected`, a refusal `http`: its serializer drops both.
    new GraphQLError('Unexpected error.', { path: ['a'], extensions: { code: 'INTERNAL_SERVER_ERROR', unexpected: true } }),
    new GraphQLError('Not found', { path: ['b'], extensions: { code: 'NOT_FOUND', http: { status: 404 } } }),
    // graphql-js's own, uncoded: its message may quote a vendor's value.
    new GraphQLError('Int cannot represent 1e99', { path: ['c'] }),
  ];
  expect(codedForStreams(errors, { a: null, b: null, c: null }).map((error) => error.toJSON())).toEqual([
    { message: 'Unexpected error.', path: ['a'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    { message: 'Not found', path: ['b'], extensions: { code: 'NOT_FOUND' } },
    { message: 'Unexpected error.', path: ['c'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
  ]);
});
