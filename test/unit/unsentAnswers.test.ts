import { describe, expect, it } from 'vitest';
import { UnsentAnswers } from '../../src/gateway.js';

describe('UnsentAnswers (WS_MAX_BUFFERED_BYTES_TOTAL)', () => {
  it('cuts nothing while what all hold and the next answer fit the budget', () => {
    const unsent = new UnsentAnswers<string>(100);
    unsent.sent('a', 60);
    expect(unsent.holdersToCut(40)).toEqual([]);
  });

  it('past it, cuts the sockets that hold the most first, only as many as it takes, whoever sends', () => {
    const unsent = new UnsentAnswers<string>(100);
    unsent.sent('stopped reading', 70);
    unsent.sent('stopped too', 25);
    unsent.sent('reader', 3);
    // The reader's next answer goes over: the biggest holder goes, not the reader.
    expect(unsent.holdersToCut(10)).toEqual(['stopped reading']);
    expect(unsent.total).toBe(28);
    // Over again, and now the reader holds the most (63): it goes, not the socket holding 25.
    unsent.sent('reader', 60);
    expect(unsent.holdersToCut(20)).toEqual(['reader']);
    expect(unsent.total).toBe(25);
  });

  it('counts written bytes out, and what a cut or closed socket held once only', () => {
    const unsent = new UnsentAnswers<string>(100);
    unsent.sent('a', 30);
    unsent.sent('a', 20);
    unsent.sent('b', 10);
    unsent.written('a', 30);
    expect(unsent.total).toBe(30);
    unsent.forget('a');
    expect(unsent.total).toBe(10);
    // ws reports a cut socket's pending writes failed, after it was forgotten.
    unsent.written('a', 20);
    expect(unsent.total).toBe(10);
    unsent.written('b', 10);
    expect(unsent.total).toBe(0);
  });
});
