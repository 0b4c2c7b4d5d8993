/**
 * The small HTTP toolkit the demo vendors share: a loopback server that records every request
 * (tests count vendor calls from it), answers after an optional latency, and misbehaves on
 * demand (fault injection: statuses, slowness, resets, trickled, garbled, huge or redirected
 * answers), so tests can prove what the gateway does when a vendor has a bad minute.
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

/** A way a vendor misbehaves. */
export type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'reset' }
  | { kind: 'trickle'; intervalMs: number }
  | { kind: 'garbage' }
  | { kind: 'wrongShape' }
  | { kind: 'huge'; bytes: number }
  | { kind: 'redirect'; location: string };

export interface FaultRule {
  fault: Fault;
  /** Only requests whose path (after the base path) starts with this; default all. */
  route?: string;
  method?: string;
  /** How many matching requests get the fault, then it is spent; default every one. */
  times?: number;
  /** The chance a matching request gets it (0..1); default 1. */
  probability?: number;
}

export interface RunningSimulator {
  /** The base URL the gateway is pointed at. */
  baseUrl: URL;
  /** Every request received, in order, when recording. */
  requests: RecordedRequest[];
  /** How many requests arrived, recording or not (the live benchmark counts polls for minutes). */
  readonly received: number;
  /** Makes the vendor misbehave on matching requests, until cleared or spent. */
  inject(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  /** Delay before each answer, to mimic a remote vendor (default 0). */
  latencyMs?: number;
  /** Keep every request in `requests` (tests and the benchmark count calls); off in demo mode. */
  record?: boolean;
  /** Path prefix of the vendor's base URL, e.g. `/api/v2` for Popsell. */
  basePath?: string;
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** Demo vendors accept any non-empty credential except one starting with this: it answers 401. */
export const REVOKED = 'revoked';

export const json = (status: number, body?: unknown): SimulatorResponse => ({ status, body });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Acts out a fault; returns true when it answered, false when the normal answer should follow. */
async function actOut(fault: Fault, res: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'status':
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
      });
      res.end(JSON.stringify({ message: `Simulated ${fault.status}`, internal: 'vendor-internal-detail' }));
      return true;
    case 'slow':
      // The answer is made first and sent late, like a vendor on a slow network: it shows the
      // state of the moment the request arrived.
      return false;
    case 'reset':
      res.socket?.destroy();
      return true;
    case 'trickle': {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":1');
      const timer = setInterval(() => res.write(' '), fault.intervalMs);
      res.once('close', () => clearInterval(timer));
      return true;
    }
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>');
      return true;
    case 'wrongShape':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ unexpected: true, id: 'not-a-number' }));
      return true;
    case 'huge': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let sent = 0; sent < fault.bytes && !res.destroyed; sent += chunk.length) {
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
      return true;
    }
    case 'redirect':
      res.writeHead(307, { location: fault.location }).end();
      return true;
  }
}

export async function startSimulator(handler: SimulatorHandler, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const basePath = options.basePath ?? '';
  const requests: RecordedRequest[] = [];
  let faults: FaultRule[] = [];
  let received = 0;
  const faultFor = (method: string, path: string) => {
    const rule = faults.find(
      (r) =>
        (r.times === undefined || r.times > 0) &&
        (r.method === undefined || r.method === method) &&
        (r.route === undefined || path.startsWith(r.route)) &&
        (r.probability === undefined || Math.random() < r.probability),
    );
    if (rule?.times !== undefined) rule.times -= 1;
    return rule?.fault;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      received += 1;
      const url = new URL(req.url ?? '/', 'http://simulator');
      const body = await readBody(req);
      const recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
      if (options.record) requests.push(recorded);
      if (options.latencyMs) await sleep(options.latencyMs);
      const fault = faultFor(recorded.method, url.pathname.slice(basePath.length));
      if (fault && (await actOut(fault, res))) return;
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
      if (fault?.kind === 'slow') await sleep(fault.delayMs);
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
    get received() {
      return received;
    },
    inject: (rule) => {
      faults.push({ ...rule });
    },
    clearFaults: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
