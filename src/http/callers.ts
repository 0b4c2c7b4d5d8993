/**
 * The callers waiting for one piece of work (a vendor call, an execution shared between
 * requests), as one signal that fires only when every one of them has gone. A caller without a
 * signal cannot hang up: once one joins, the signal never fires.
 */
export class Callers {
  readonly #controller = new AbortController();
  #waiting = 0;
  #pinned = false;
  readonly #listeners: [AbortSignal, () => void][] = [];

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  join(signal: AbortSignal | undefined): void {
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

  /** The work is done: the callers' signals no longer hold a reference to it. */
  release(): void {
    for (const [signal, listener] of this.#listeners) signal.removeEventListener('abort', listener);
  }

  #leave(signal: AbortSignal): void {
    if (this.#waiting === 0 && !this.#pinned) this.#controller.abort(signal.reason);
  }
}
