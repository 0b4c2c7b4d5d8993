import type { Layer } from './layer.js';

/**
 * Adds the whole-call deadline: `deadline` and one signal that fires after timeoutMs or when the
 * caller's own signal does (its callers went away), whichever comes first. Starts above the queue,
 * so waiting counts against it. Assumes the layers below stop the call when the signal fires.
 */
export const withDeadline =
  (timeoutMs: number): Layer =>
  (next) =>
  (call) => {
    call.deadline = Date.now() + timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    call.signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
    return next(call);
  };
