import type { Plugin } from 'graphql-yoga';

/** What yoga answers in: a result, or a stream of them (multipart for incremental delivery, SSE). */
const ANSWERED_IN = ['application/graphql-response+json', 'application/json', 'multipart/mixed', 'text/event-stream'];

/**
 * The media types an Accept header asks for, read as yoga's result processors read it: no header
 * accepts any, and a type with a charset other than UTF-8 is none (yoga answers in UTF-8 only).
 */
function accepted(header: string | null): string[] {
  return (header ?? '*/*')
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',')
    .filter((range) => (range.split(';').find((param) => param.startsWith('charset=')) ?? 'charset=utf-8') === 'charset=utf-8')
    .map((range) => range.split(';')[0]!);
}

const answerable = (range: string) => {
  const [type, subtype] = range.split('/');
  return ANSWERED_IN.some((media) => {
    const [ownType, ownSubtype] = media.split('/');
    return (type === '*' || type === ownType) && (subtype === '*' || subtype === ownSubtype);
  });
};

/**
 * A POST whose Accept no answer of yoga's can meet is refused before its body is parsed (406, a
 * coded body). yoga finds out only once it has the result, and then answers 406 with no body: a
 * mutation had run, its write made, and the client could not tell (an attacker's pass; a client
 * that retried wrote twice). Checked when the request is parsed, which yoga does only for a
 * request to its endpoint however it matched the path (`/graphql/` as well, the next pass). A GET
 * is left to yoga: it runs no mutation, and one that accepts HTML is a browser asking for GraphiQL.
 */
export function useAcceptableAnswers(): Plugin {
  const body = JSON.stringify({
    errors: [{ message: `None of the media types the request accepts can carry the answer: ${ANSWERED_IN.join(', ')} (UTF-8).`, extensions: { code: 'BAD_REQUEST' } }],
  });
  return {
    onRequestParse({ request, fetchAPI, endResponse }) {
      if (request.method !== 'POST' || accepted(request.headers.get('accept')).some(answerable)) return;
      endResponse(new fetchAPI.Response(body, { status: 406, headers: { 'content-type': 'application/json; charset=utf-8', accept: ANSWERED_IN.join(', ') } }));
    },
  };
}
