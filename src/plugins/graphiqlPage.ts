/**
 * GraphiQL's page is the same for every browser and large (~9 MB: the bundle is inlined, so it
 * works on closed networks). Rendered once, it is sent gzipped (~2.5 MB) to a browser that accepts
 * it, with an ETag, so that its next visit is a 304. Every GET used to render and send the 9 MB
 * again, uncompressed and uncached: an attacker's 8 clients pulled 5.7 GB in 35 s, the gateway at a
 * full core and other answers 0.7 s late.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import { ZERO_WEIGHT } from './acceptable.js';

const gzipped = promisify(gzip);

interface Page {
  etag: string;
  plain: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer>;
}

export function useGraphiQLPage(): Plugin {
  let page: Promise<Page> | undefined;
  const prepare = async (html: string): Promise<Page> => {
    const plain = new Uint8Array(Buffer.from(html));
    return { etag: `"${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}"`, plain, gzipped: new Uint8Array(await gzipped(plain)) };
  };
  return {
    // yoga's GraphiQL answers text/html, and nothing else here does. Any other answer passes
    // without a promise: this hook runs for every one.
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (request.method !== 'GET' || response.status !== 200 || response.headers.get('content-type') !== 'text/html') return undefined;
      return (page ??= response.text().then(prepare)).then(({ etag, plain, gzipped: compressed }) => {
        const headers = { 'content-type': 'text/html; charset=utf-8', etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
        if (has(request.headers.get('if-none-match'), etag)) {
          setResponse(new fetchAPI.Response(null, { status: 304, headers }));
          return;
        }
        const gzip = takesGzip(request.headers.get('accept-encoding'));
        setResponse(new fetchAPI.Response(gzip ? compressed : plain, { headers: gzip ? { ...headers, 'content-encoding': 'gzip' } : headers }));
      });
    },
  };
}

/** Whether If-None-Match names `etag`: `*`, or a list of tags compared weakly (RFC 9110, 13.1.2). */
const has = (header: string | null, etag: string) => header !== null && (header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag));

/** Whether Accept-Encoding takes gzip: named (or `*`, when it is not) with a weight above 0 (RFC 9110, 12.5.3). */
function takesGzip(header: string | null): boolean {
  let named: boolean | undefined;
  let any = false;
  for (const entry of (header ?? '').toLowerCase().split(',')) {
    const [coding, ...parameters] = entry.split(';').map((part) => part.trim());
    const refused = parameters.some((parameter) => ZERO_WEIGHT.test(parameter));
    if (coding === 'gzip' || coding === 'x-gzip') named = !refused;
    else if (coding === '*') any = !refused;
  }
  return named ?? any;
}
