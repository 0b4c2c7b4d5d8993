import type { Handler, Layer, VendorCall } from './layer.js';
import { readKey } from './readKey.js';

/** One shared read and who still waits for it. */
interface Shared {
  promise: Promise<unknown>;
  /** Aborts the vendor call; absent once a caller that cannot hang up waits (no signal). */
  controller: AbortController | undefined;
  /** Callers with a signal that has not fired. */
  waiting: number;
  listeners: [AbortSignal, () => void][];
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
      const controller = call.signal ? new AbortController() : undefined;
      const shared: Shared = { promise: undefined as never, controller, waiting: 0, listeners: [] };
      shared.promise = next({ ...call, signal: controller?.signal }).finally(() => {
        inFlight.delete(key);
        for (const [signal, listener] of shared.listeners) signal.removeEventListener('abort', listener);
      });
      inFlight.set(key, shared);
      return shared;
    };
    const join = (shared: Shared, signal: AbortSignal | undefined) => {
      if (!signal) {
        shared.controller = undefined;
        return;
      }
      if (signal.aborted || !shared.controller) return leave(shared, signal);
      shared.waiting += 1;
      const listener = () => {
        shared.waiting -= 1;
        leave(shared, signal);
      };
      signal.addEventListener('abort', listener, { once: true });
      shared.listeners.push([signal, listener]);
    };
    const leave = (shared: Shared, signal: AbortSignal) => {
      if (shared.waiting === 0) shared.controller?.abort(signal.reason);
    };
    const read: Handler = (call) => {
      const key = `${epochs.current}:${readKey(call)}`;
      const shared = inFlight.get(key) ?? start(call, key);
      join(shared, call.signal);
      return shared.promise;
    };
    return (call) => (call.method === 'GET' ? read(call) : next({ ...call, signal: undefined }));
  };
