import type { Layer } from './layer.js';

/**
 * Adds the whole-call deadline: `deadline` and one signal that fires after timeoutMs (a
 * TimeoutError) or when the caller's own signal does (its callers went away), whichever comes
 * first. Starts above the queue, so waiting counts against it. Assumes the layers below stop the
 * call when the signal fires. One controller and one timer, cleared when the call settles: cheaper
 * than AbortSignal.any over AbortSignal.timeout, whose timers outlive the call. A call whose signal
 * is its own (`abort`, from the in-flight layer) is timed out through it, with no controller more.
 */
export const withDeadline = (timeoutMs: number): Layer => {
  const timedOut = () => new DOMException(`No answer within ${timeoutMs} ms.`, 'TimeoutError');
  return (next) => (call) => {
    call.deadline = Date.now() + timeoutMs;
    const { abort } = call;
    if (abort) {
      const timer = setTimeout(() => abort(timedOut()), timeoutMs);
      return next(call).finally(() => clearTimeout(timer));
    }
    const caller = call.signal;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timedOut()), timeoutMs);
    const abandon = () => controller.abort(caller?.reason);
    caller?.addEventListener('abort', abandon, { once: true });
    if (caller?.aborted) abandon();
    call.signal = controller.signal;
    return next(call).finally(() => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', abandon);
    });
  };
};
