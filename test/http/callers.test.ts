import { describe, expect, it } from 'vitest';
import { Callers } from '../../src/http/callers.js';

describe('Callers', () => {
  it("carries a request's many vendor calls without a 'possible memory leak' warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const request = new Callers(new AbortController().signal);
      // Scenario (c)'s 21 vendor calls, each joining its request's signal.
      for (let call = 0; call < 21; call++) new Callers().join(request.signal);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('fires only when every caller has gone', () => {
    const [a, b] = [new AbortController(), new AbortController()];
    const callers = new Callers();
    callers.join(a.signal);
    callers.join(b.signal);
    a.abort();
    expect(callers.signal.aborted).toBe(false);
    b.abort();
    expect(callers.signal.aborted).toBe(true);
  });

  it('joins its first caller lazily, yet never fires while that caller waits', () => {
    const [first, joiner] = [new AbortController(), new AbortController()];
    const callers = new Callers(first.signal);
    // A second caller joins and leaves before anyone read the signal: the first still waits.
    callers.join(joiner.signal);
    joiner.abort();
    expect(callers.signal.aborted).toBe(false);
    first.abort();
    expect(callers.signal.aborted).toBe(true);
  });

  it('fires when its first caller goes, once the signal is read', () => {
    const first = new AbortController();
    const callers = new Callers(first.signal);
    const { signal } = callers;
    first.abort();
    expect(signal.aborted).toBe(true);
  });

  it('is aborted at once when its first caller had gone before the signal was read', () => {
    const first = new AbortController();
    first.abort();
    expect(new Callers(first.signal).signal.aborted).toBe(true);
  });

  it('never fires once a caller without a signal joined', () => {
    const first = new AbortController();
    const callers = new Callers(first.signal);
    callers.join(undefined);
    first.abort();
    expect(callers.signal.aborted).toBe(false);
  });
});
