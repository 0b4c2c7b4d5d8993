import { Callers } from './callers.js';
import type { Handler, Layer, VendorCall } from './layer.js';
import { readKey } from './readKey.js';

/** One shared read and who waits for it. */
interface Shared {
  promise: Promise<unknown>;
  /** Absent when the first caller had no signal: then no caller can abandon the call. */
  callers: Callers | undefined;
}

/**
 * Adds in-flight sharing: identical reads in flight at once (same path, query and headers, so the
 * same credential and brand, under the same write epoch) share one vendor call, which is abandoned
 * only when every caller waiting for it has gone. Writes never share and are never abandoned: one
 * cut off halfway may still have happened, and its caller would never learn. Assumes the layers
 * below stop the call when its signal fires.
 */
export const shareInFlight =
  (epochs: { readonly current: number }): Layer =>
  (next) => {
    const inFlight = new Map<string, Shared>();
    const start = (call: VendorCall, key: string): Shared => {
      const callers = call.signal ? new Callers() : undefined;
      const promise = next({ ...call, signal: callers?.signal }).finally(() => {
        inFlight.delete(key);
        callers?.release();
      });
      const shared = { promise, callers };
      inFlight.set(key, shared);
      return shared;
    };
    const read: Handler = (call) => {
      // Queries and polls share within their own lane only: a query never waits on a poll still
      // queued in the guard's low-priority lane, and a poll never takes a query's cached answer.
      const key = `${call.priority ?? 'query'}:${epochs.current}:${readKey(call)}`;
      const shared = inFlight.get(key) ?? start(call, key);
      shared.callers?.join(call.signal);
      return shared.promise;
    };
    return (call) => (call.method === 'GET' ? read(call) : next({ ...call, signal: undefined }));
  };
