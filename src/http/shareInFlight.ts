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
 * Adds in-flight sharing: identical reads (not polls) in flight at once (same path, query and
 * headers, so the same credential and brand, under the same write epoch) share one vendor call,
 * which is abandoned only when every caller waiting for it has gone. Writes never share and are
 * never abandoned: one cut off halfway may still have happened, and its caller would never learn.
 * Assumes the layers below stop the call when its signal fires.
 */
export const shareInFlight =
  (epochs: { readonly current: number }): Layer =>
  (next) => {
    const inFlight = new Map<string, Shared>();
    const start = (call: VendorCall, key: string): Shared => {
      const callers = call.signal ? new Callers() : undefined;
      // The copy's signal is the callers' own, so it carries the hook to abort it (VendorCall.abort).
      const own = callers ? { signal: callers.signal, abort: (reason: unknown) => callers.abort(reason) } : {};
      const promise = next({ ...call, ...own }).finally(() => {
        // Unless a newcomer's call took its place (below).
        if (inFlight.get(key) === shared) inFlight.delete(key);
        callers?.release();
      });
      const shared: Shared = { promise, callers };
      inFlight.set(key, shared);
      return shared;
    };
    const read: Handler = (call) => {
      const key = `${epochs.current}:${readKey(call)}`;
      const current = inFlight.get(key);
      const shared = current && !current.callers?.gone ? current : start(call, key);
      shared.callers?.join(call.signal);
      return shared.promise;
    };
    // A poll is never shared: the live registry polls each (resource, credential) pair once at a
    // time, so another identical poll cannot be in flight, and a query must not wait in its lane.
    return (call) => (call.method !== 'GET' ? next({ ...call, signal: undefined }) : call.priority === 'poll' ? next(call) : read(call));
  };
