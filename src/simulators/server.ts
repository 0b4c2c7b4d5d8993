/**
 * The small HTTP toolkit the demo vendors share: a loopback server that records every request
 * (tests count vendor calls from it) and answers after an optional latency.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface SimulatorRequest extends RecordedRequest {
  /** The path without the base prefix, split into decoded segments. */
  segments: string[];
}

export interface SimulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type SimulatorHandler = (request: SimulatorRequest) => SimulatorResponse;

export interface RunningSimulator {
  /** The base URL the gateway is pointed at. */
  baseUrl: URL;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** Delay before each answer, to mimic a remote vendor (default 0). */
  latencyMs?: number;
  /** Path prefix of the vendor's base URL, e.g. `/api/v2` for Popsell. */
  basePath?: string;
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export const json = (status: number, body?: unknown): SimulatorResponse => ({ status, body });

export async function startSimulator(handler: SimulatorHandler, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const basePath = options.basePath ?? '';
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const body = await readBody(req);
      const recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
      requests.push(recorded);
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      let answer: SimulatorResponse;
      if (!url.pathname.startsWith(`${basePath}/`)) {
        answer = json(404, { message: 'Not found.' });
      } else {
        let segments: string[] | undefined;
        try {
          segments = url.pathname.slice(basePath.length + 1).split('/').map(decodeURIComponent);
        } catch {
          segments = undefined;
        }
        answer = segments ? handler({ ...recorded, segments }) : json(400, { message: 'Bad path.' });
      }
      const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(payload ? { 'content-type': 'application/json' } : {}),
        'content-length': Buffer.byteLength(payload),
        ...answer.headers,
      });
      res.end(payload);
    })().catch(() => {
      res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: new URL(`http://127.0.0.1:${port}${basePath}`),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
