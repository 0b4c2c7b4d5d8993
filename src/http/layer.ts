import type { Readable } from 'node:stream';
import type { ValidateFunction } from 'ajv';

/**
 * One vendor request, as an adapter asks for it: a fresh object per request, which the door's
 * layers annotate on their way down (see VendorCall; a read shared between requests gets a copy).
 */
export interface UpstreamRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Already expanded and encoded: see expandPath. */
  path: string;
  /** The path's template, e.g. `/chatroom/{roomID}`: names the route in metrics and spans. */
  route: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  headers: Readonly<Record<string, string>>;
  body?: string | Buffer | Readable | null;
  /** Checks the parsed body; omit for responses the gateway does not read. */
  validate?: ValidateFunction<T>;
  /** A write whose vendor may answer with an empty body (204) instead of the resource. */
  allowEmpty?: boolean;
  /**
   * The lane in the vendor's queue: a query's own reads (default `query`) go before background
   * polls (`poll`), so polling never delays a client's answer.
   */
  priority?: 'query' | 'poll';
  /** Fires when the caller no longer waits (the client hung up); the vendor call is then abandoned. */
  signal?: AbortSignal;
}

/** A request inside the door: what the layers add on their way down and the answer on its way up. */
export interface VendorCall extends UpstreamRequest<unknown> {
  /** Epoch ms by which the whole call, retries included, must be done (set by the deadline layer). */
  deadline?: number;
  /** Called before each retry (set by the observe layer). */
  onRetry?: () => void;
  /** The last HTTP status the vendor answered (set by the send layer). */
  status?: number;
  /** A read's identity, hashed once by the first layer that needs it (see readKey). */
  key?: string;
  /**
   * Aborts `signal` for everyone waiting on the call (set by the in-flight layer, whose signal is
   * the call's own): the deadline layer then times the call out through it instead of wrapping the
   * signal in a controller of its own, one AbortController per call fewer.
   */
  abort?: (reason: unknown) => void;
}

/** What every layer is: a call in, the validated payload (or nothing) out. */
export type Handler = (call: VendorCall) => Promise<unknown>;
/** A layer wraps the handler below it. */
export type Layer = (next: Handler) => Handler;

/** Stacks layers, outermost first, on the innermost handler: compose(a, b)(send) is a(b(send)). */
export const compose =
  (...layers: Layer[]) =>
  (inner: Handler): Handler =>
    layers.reduceRight((next, layer) => layer(next), inner);
