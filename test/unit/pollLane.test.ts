import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPollLane, type PollJob } from '../../src/live/scheduler.js';

/**
 * A job that records when each of its polls started; `hold` keeps a poll in flight until released,
 * `takesMs` for that long; `fresh`, until polled, has it await its first state; `then` runs as a poll ends.
 */
function job(scope?: string) {
  const starts: number[] = [];
  let release: (() => void) | undefined;
  const state: { hold: boolean; fresh: boolean; takesMs: number; then?: () => void } = { hold: false, fresh: false, takesMs: 0 };
  const polled: PollJob = {
    async run() {
      starts.push(Date.now());
      state.fresh = false;
      if (state.hold) await new Promise<void>((resolve) => (release = resolve));
      if (state.takesMs) await new Promise((resolve) => setTimeout(resolve, state.takesMs));
      state.then?.();
    },
    awaitsFirstState: () => state.fresh,
    scope,
  };
  return { polled, starts, state, release: () => release?.() };
}

describe('poll lane', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('pollNow makes a waiting pair due at once, then it keeps its interval from there', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 10, paused: () => false });
    const { polled, starts } = job();
    lane.add(polled);
    await vi.advanceTimersByTimeAsync(300);
    lane.pollNow(polled);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0, 300]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toEqual([0, 300, 1300]);
    lane.close();
  });

  it('pollNow during a poll in flight polls again as soon as it ends', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 10, paused: () => false });
    const { polled, starts, state, release } = job();
    state.hold = true;
    lane.add(polled);
    await vi.advanceTimersByTimeAsync(100);
    lane.pollNow(polled);
    state.hold = false;
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0, 100]);
    lane.close();
  });

  it('starts no more polls than maxInFlight; the others wait in the lane, in order, and start as polls end', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 2, paused: () => false });
    const jobs = Array.from({ length: 4 }, () => job());
    for (const j of jobs) {
      j.state.hold = true;
      lane.add(j.polled);
    }
    await vi.advanceTimersByTimeAsync(500);
    expect(jobs.map((j) => j.starts.length)).toEqual([1, 1, 0, 0]);
    jobs[1]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.map((j) => j.starts.length)).toEqual([1, 1, 1, 0]);
    jobs[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs[3]!.starts).toEqual([500]);
    lane.close();
  });

  it('starts the pairs due within a twentieth of the interval in one pass, and keeps each on its own schedule', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 10, paused: () => false });
    const [a, b, c] = [job(), job(), job()];
    lane.add(a.polled);
    lane.add(b.polled, 30);
    lane.add(c.polled, 80);
    await vi.advanceTimersByTimeAsync(0);
    // b is due 30 ms later and goes with a; c, 80 ms later, gets a pass of its own.
    expect([a.starts, b.starts, c.starts]).toEqual([[0], [0], []]);
    await vi.advanceTimersByTimeAsync(3000);
    // b's next polls keep its own schedule (30 + n × 1000), batched with a's again: no drift earlier.
    expect(a.starts).toEqual([0, 1000, 2000, 3000]);
    expect(b.starts).toEqual([0, 1000, 2000, 3000]);
    expect(c.starts).toEqual([80, 1080, 2080, 3080].filter((t) => t <= 3000));
    lane.close();
  });

  /** A lane of one poll in flight at most, where `late` (due at 0) waits for `blocker`'s first poll to end at `heldMs`. */
  async function heldBack(heldMs: number) {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 1, paused: () => false });
    const [blocker, late] = [job(), job()];
    blocker.state.hold = true;
    lane.add(blocker.polled);
    lane.add(late.polled);
    await vi.advanceTimersByTimeAsync(heldMs);
    blocker.state.hold = false;
    blocker.release();
    return { lane, late };
  }

  it('a pair held back a little by polls in flight keeps its own schedule: the lateness is not carried into every later poll', async () => {
    const { lane, late } = await heldBack(200);
    await vi.advanceTimersByTimeAsync(2000);
    // Due at 0, started at 200; then due at 1000 and 2000 again, not 1200 and 2200 (each time
    // just after the blocker's own poll, which a timer of the fake clock puts 1 ms later).
    expect(late.starts).toEqual([200, 1001, 2001]);
    lane.close();
  });

  it('a pair held back longer catches up a quarter of an interval at most, never polled again at once', async () => {
    const { lane, late } = await heldBack(700);
    await vi.advanceTimersByTimeAsync(2500);
    // Started 700 late: the next poll 750 later (700 - 250 + 1000), then back to every 1000.
    expect(late.starts).toEqual([700, 1450, 2450]);
    lane.close();
  });

  it('a budget under one poll per second spaces polls 1/budget seconds apart', async () => {
    const lane = createPollLane({ intervalMs: 100, maxPollsPerSecond: 100, maxInFlight: 10, paused: () => false });
    const { polled, starts } = job();
    lane.setBudget(0.5);
    lane.add(polled);
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([0, 2000, 4000]);
    lane.setBudget(4);
    await vi.advanceTimersByTimeAsync(1000);
    // At once (the old window no longer applies); then 75 ms later, the quarter interval a late
    // poll catches up, and 100 ms apart (the interval); four in any one second.
    expect(starts.filter((t) => t > 4000)).toEqual([5000, 5075, 5175, 5275, 6000]);
    lane.close();
  });

  // An attacker's pass: in the budget, first polls waited behind everyone's, and subscriptions with
  // made-up credentials (each a new pair) delayed every other client's first event by seconds.
  it('a pair awaiting its first state is polled at once and spends none of the budget', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 1, maxInFlight: 10, paused: () => false });
    const due = [job(), job(), job()];
    for (const j of due) lane.add(j.polled);
    await vi.advanceTimersByTimeAsync(100);
    const firsts = Array.from({ length: 5 }, () => job());
    for (const j of firsts) {
      j.state.fresh = true;
      lane.add(j.polled);
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(firsts.map((j) => j.starts)).toEqual(Array(5).fill([100]));
    await vi.advanceTimersByTimeAsync(2950);
    // The budget's one poll a second went on as before, to the pairs that were due: the first reads spent none of it.
    expect(due.map((j) => j.starts)).toEqual([[0, 3000], [1000], [2000]]);
    // Afterwards the new pairs take their turns in the budget, after the pairs due before them.
    expect(firsts.map((j) => j.starts)).toEqual(Array(5).fill([100]));
    lane.close();
  });

  it('holds first reads to the cap on polls in flight; as a poll ends, a first read takes its turn after a due poll', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 1, paused: () => false });
    const [blocker, waiting, fresh] = [job(), job(), job()];
    blocker.state.hold = true;
    lane.add(blocker.polled);
    lane.add(waiting.polled);
    await vi.advanceTimersByTimeAsync(0);
    fresh.state.fresh = true;
    fresh.state.hold = true;
    lane.add(fresh.polled);
    await vi.advanceTimersByTimeAsync(200);
    expect([blocker.starts, waiting.starts, fresh.starts]).toEqual([[0], [], []]);
    blocker.state.hold = false;
    blocker.release();
    await vi.advanceTimersByTimeAsync(0);
    // The first read goes first, though the other pair was due before it came.
    expect([waiting.starts, fresh.starts]).toEqual([[], [200]]);
    fresh.state.hold = false;
    fresh.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting.starts).toEqual([200]);
    lane.close();
  });

  it('a paused vendor holds first reads too, and a pair removed before its first read is never polled', async () => {
    let paused = true;
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 10, paused: () => paused });
    const [kept, removed] = [job(), job()];
    for (const j of [kept, removed]) {
      j.state.fresh = true;
      lane.add(j.polled);
    }
    await vi.advanceTimersByTimeAsync(500);
    lane.remove(removed.polled);
    expect(kept.starts).toEqual([]);
    paused = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect([kept.starts.length, removed.starts]).toEqual([1, []]);
    lane.close();
  });

  // An attacker's pass on the first version, which ran first reads ahead of everything: a crowd of
  // new pairs (made-up credentials or rooms) took every slot, and no watched pair was polled again
  // while it lasted.
  it('first reads hold half the polls in flight at most: a crowd of them never stops the watched pairs’ polls', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 4, paused: () => false });
    const watched = job();
    lane.add(watched.polled);
    await vi.advanceTimersByTimeAsync(0);
    const crowd = Array.from({ length: 200 }, (_, i) => job(`junk-${i}`));
    for (const j of crowd) {
      j.state.fresh = true;
      j.state.hold = true;
      lane.add(j.polled);
    }
    await vi.advanceTimersByTimeAsync(3050);
    expect(watched.starts).toEqual([0, 1000, 2000, 3000]);
    expect(crowd.filter((j) => j.starts.length).length).toBe(2);
    // As first reads end, the next ones start, up to the same share.
    crowd[0]!.state.hold = false;
    crowd[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(crowd.filter((j) => j.starts.length).length).toBe(3);
    lane.close();
  });

  it('with one poll in flight at most, first reads and due polls take turns', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 1, paused: () => false });
    const watched = job();
    lane.add(watched.polled);
    const crowd = Array.from({ length: 30 }, (_, i) => job(`junk-${i}`));
    for (const j of crowd) {
      j.state.fresh = true;
      j.state.takesMs = 100;
      // Refused, as a made-up credential is: its pair ends on its first read.
      j.state.then = () => lane.remove(j.polled);
      lane.add(j.polled);
    }
    await vi.advanceTimersByTimeAsync(2350);
    // A first read, then the due pair, then first reads until the pair is due again (it waits for
    // the one in flight, 100 ms at most, and a timer's millisecond per poll), and so on.
    expect(watched.starts).toHaveLength(3);
    expect(watched.starts[0]).toBeLessThanOrEqual(101);
    for (const [i, at] of watched.starts.entries()) expect(at - i * 1000).toBeLessThanOrEqual(101 + 120);
    expect(crowd.filter((j) => j.starts.length).length).toBeGreaterThanOrEqual(18);
    lane.close();
  });

  it('first reads take turns by credential scope: one credential’s crowd of new pairs delays another’s first read by one read', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 2, paused: () => false });
    const crowd = Array.from({ length: 50 }, () => job('attacker'));
    for (const j of crowd) {
      j.state.fresh = true;
      j.state.takesMs = 100;
      lane.add(j.polled);
    }
    const [victim, other] = [job('victim'), job('other')];
    for (const j of [victim, other]) {
      j.state.fresh = true;
      lane.add(j.polled);
    }
    await vi.advanceTimersByTimeAsync(350);
    // One first read in flight at a time (half of two), a timer's millisecond apart: the attacker's,
    // the victim's, the other's, the attacker's next.
    expect([crowd[0]!.starts, victim.starts, other.starts, crowd[1]!.starts]).toEqual([[0], [101], [102], [103]]);
    lane.close();
  });

  // A reviewer's reading: removed during its first read and added again (a Redis lease lost and
  // taken back), a pair still had no state, so its new entry started a second read beside the first.
  it('a pair removed while its poll is in flight and added again waits for that poll to end: never two at once', async () => {
    const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 100, maxInFlight: 4, paused: () => false });
    let latest: unknown;
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    const polled: PollJob = {
      scope: 'a',
      awaitsFirstState: () => latest === undefined,
      async run() {
        starts.push(Date.now());
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 200));
        latest = 'state';
        running -= 1;
      },
    };
    lane.add(polled);
    await vi.advanceTimersByTimeAsync(50);
    lane.remove(polled);
    lane.add(polled);
    await vi.advanceTimersByTimeAsync(300);
    expect(most).toBe(1);
    // Added again with no delay, it is polled as soon as the read in flight ends.
    expect(starts).toEqual([0, 201]);
    lane.close();
  });

  it('where the cap on polls in flight is what limits polls, a crowd of first reads leaves the watched pairs half the slots', async () => {
    const pollsOf = async (flood: boolean) => {
      vi.setSystemTime(0);
      const lane = createPollLane({ intervalMs: 1000, maxPollsPerSecond: 1000, maxInFlight: 4, paused: () => false });
      const watched = Array.from({ length: 8 }, () => job());
      for (const j of watched) {
        j.state.takesMs = 450;
        lane.add(j.polled);
      }
      if (flood) {
        for (let i = 0; i < 200; i++) {
          const junk = job(`junk-${i}`);
          junk.state.fresh = true;
          junk.state.takesMs = 450;
          junk.state.then = () => lane.remove(junk.polled);
          lane.add(junk.polled);
        }
      }
      await vi.advanceTimersByTimeAsync(10_000);
      lane.close();
      return watched.reduce((sum, j) => sum + j.starts.length, 0);
    };
    const quiet = await pollsOf(false);
    const flooded = await pollsOf(true);
    // Four slots polled the eight pairs about every 1.1 s alone; with the flood, two slots do.
    expect(flooded).toBeGreaterThanOrEqual(Math.floor(quiet / 2) - 2);
    expect(flooded).toBeLessThan(quiet);
  });
});
