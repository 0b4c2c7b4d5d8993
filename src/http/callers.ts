import { setMaxListeners } from 'node:events';

/**
 * The callers waiting for one piece of work (a vendor call, an execution shared between
 * requests), as one signal that fires only when every one of them has gone. A caller without a
 * signal cannot hang up: once one joins, the signal never fires.
 */
export class Callers {
  #controller: AbortController | undefined;
  #waiting = 0;
  #pinned = false;
  readonly #listeners: [AbortSignal, () => void][] = [];
  #first: AbortSignal | undefined;

  /**
   * `first`: a caller joined only once the signal is first read or another joins, so that work
   * that never needs a signal (a request joining another's execution) costs no controller.
   */
  constructor(first?: AbortSignal) {
    this.#first = first;
  }

  get signal(): AbortSignal {
    return this.#started().signal;
  }

  /**
   * Every caller has gone (or the work was stopped), though the work may not have ended yet: one
   * who joins it now would only get its abandonment, so a newcomer starts the work again instead.
   */
  get gone(): boolean {
    return (this.#controller?.signal.aborted ?? false) || (this.#first?.aborted ?? false);
  }

  join(signal: AbortSignal | undefined): void {
    this.#started();
    if (!signal) {
      this.#pinned = true;
      return;
    }
    if (signal.aborted) return this.#leave(signal);
    this.#waiting += 1;
    const listener = () => {
      this.#waiting -= 1;
      this.#leave(signal);
    };
    signal.addEventListener('abort', listener, { once: true });
    this.#listeners.push([signal, listener]);
  }

  /** Stops the work for every caller (its deadline passed), whoever still waits. */
  abort(reason: unknown): void {
    this.#started().abort(reason);
  }

  /** The work is done: the callers' signals no longer hold a reference to it. */
  release(): void {
    for (const [signal, listener] of this.#listeners) signal.removeEventListener('abort', listener);
  }

  #started(): AbortController {
    if (this.#controller) return this.#controller;
    const controller = (this.#controller = new AbortController());
    const first = this.#first;
    this.#first = undefined;
    if (first) {
      // A request's callers (made with its client's signal): every vendor call of the request
      // joins this signal, as many listeners as calls in flight or queued, which MAX_COST (10,000
      // fields at most) and MAX_LIST_ARGUMENT (an operation's IDs) bound. Node would take more
      // than ten for a leak and warn; past this bound it still does. A vendor call's own callers
      // are joined by a few requests: left as they are.
      setMaxListeners(10_000, controller.signal);
      this.join(first);
    }
    return controller;
  }

  #leave(signal: AbortSignal): void {
    if (this.#waiting === 0 && !this.#pinned) this.#started().abort(signal.reason);
  }
}
