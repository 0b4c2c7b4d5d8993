/**
 * The pacing of one vendor's polls: every watched pair once per interval, never more than the
 * vendor's budget of polls in any one second. Pairs wait in the order they fell due, so when there
 * are more pairs than the budget allows each interval stretches by the same amount for all of them
 * (round robin), and a pair that just started waits no longer than one that has been polled for hours.
 *
 * A pair's first poll, while it has no state yet, is no repeat of anything: it is the read its
 * subscriber's client would otherwise send as a query, and its first event waits on it. It starts
 * outside the budget (it neither waits for the budget nor spends it): in the budget, first polls
 * waited their turn behind everyone's, and subscriptions with made-up credentials (each a new
 * pair, refused only by its first poll) delayed every other client's first event by seconds, more
 * the longer it went on (an attacker's pass). Two things keep a crowd of first reads from costing
 * the watched pairs their polls, or one client's from delaying everyone else's (the next pass,
 * on the first version, which ran first reads ahead of everything, in the order they came):
 * - first reads hold half the polls in flight at most, and when first reads and due polls both
 *   wait for a slot they take turns: the watched pairs keep at least half the slots and every
 *   other turn (with a cap of one, every other turn), so they keep their intervals wherever half
 *   the cap suffices for them, and are polled at least half as often where it does not;
 * - first reads take turns by credential scope, so a client subscribing to many new pairs with
 *   one credential delays another's first read by one read, not by all of its own.
 * Like a query's reads, first reads are then bounded by the cap on polls in flight, not the budget.
 */

/** One watched pair, as the lane sees it. */
export interface PollJob {
  /** Runs one poll; the lane never runs a job twice at once. */
  run(): Promise<void>;
  /** True while the pair has no state yet: added now, its poll is a first read (above). */
  awaitsFirstState?(): boolean;
  /** Whose credential the pair polls with (a hash, never the credential): first reads take turns by it. */
  readonly scope?: string;
}

/** How one vendor's polls are paced. */
export interface PollLaneOptions {
  /** The interval between two polls of one pair (LIVE_POLL_INTERVAL_MS, default 2000). */
  intervalMs: number;
  /** Poll starts in any one second at most (*_LIVE_MAX_POLLS_PER_SECOND, default 1000). */
  maxPollsPerSecond: number;
  /** Polls in flight at most: a due pair waits for one to end (LiveSettings.maxPollsInFlight). */
  maxInFlight: number;
  /** True while the vendor's breaker is open: no poll starts, the lane looks again an interval later. */
  paused(): boolean;
}

export interface PollLane {
  /** Starts polling a pair: its first poll is due at once, or after `delayMs` (a state already at hand). */
  add(job: PollJob, delayMs?: number): void;
  /** Stops polling a pair at once; a poll in flight finishes (its owner aborts it) and is not repeated. */
  remove(job: PollJob): void;
  /** A write changed what the pair reads: its next poll is due at once (one in flight is followed by another). */
  pollNow(job: PollJob): void;
  /**
   * A new budget (polls per second, possibly under one: this instance's share of a vendor's budget
   * across instances). Under one, one poll per 1/budget seconds.
   */
  setBudget(maxPollsPerSecond: number): void;
  /** Stops the timer; nothing runs afterwards. */
  close(): void;
}

interface Entry {
  job: PollJob;
  dueAt: number;
  /** Set by pollNow while the job is in flight: the next poll is due as soon as it ends. */
  again: boolean;
  /** Waiting for its first read (in `firsts`). */
  first: boolean;
  /**
   * Added again while the poll of its removed entry was in flight: in no line until that poll ends
   * (a pair with no state yet would otherwise have had a second first read beside the first).
   */
  held: boolean;
}

const SECOND = 1000;
/**
 * A wake-up starts every pair due within this much of now (at most a twentieth of the interval):
 * thousands of pairs fall due at scattered times, and one timer and one pass per pair would cost
 * more than the polls themselves. Their next polls keep the schedule, so none drifts earlier.
 */
const BATCH_MS = 50;

export function createPollLane(options: PollLaneOptions): PollLane {
  const { intervalMs } = options;
  const batchMs = Math.min(BATCH_MS, intervalMs / 20);
  let budget = options.maxPollsPerSecond;
  /** Waiting pairs, earliest due first; a pair in flight is not in it. */
  const queue: Entry[] = [];
  /**
   * Pairs awaiting their first read, by credential scope, each scope's in the order they came; the
   * scope whose turn it is comes first (a scope that read goes to the back). Each then joins the queue.
   */
  const firsts = new Map<string | undefined, Entry[]>();
  /** First reads in flight at most: half the cap (at least one), so due polls always have the rest. */
  const maxFirstsInFlight = Math.max(1, Math.floor(options.maxInFlight / 2));
  let firstsInFlight = 0;
  /** Whether the last poll started was a first read: when both kinds wait, they take turns. */
  let lastWasFirst = false;
  const entries = new Map<PollJob, Entry>();
  /** The jobs whose poll is in flight, whatever became of their entries. */
  const running = new Set<PollJob>();
  /** When each poll of the last second started, oldest first (at most the budget). */
  const starts: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let closed = false;

  function enqueue(entry: Entry) {
    // Binary search: after every entry due at the same time or earlier, so equal dues keep their order.
    let low = 0;
    let high = queue.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((queue[mid] as Entry).dueAt <= entry.dueAt) low = mid + 1;
      else high = mid;
    }
    queue.splice(low, 0, entry);
  }

  /** When the next poll may start as far as the budget goes: `limit` starts in any `window` ms. */
  function budgetFreeAt(now: number) {
    const limit = Math.max(1, Math.floor(budget));
    const window = budget >= 1 ? SECOND : SECOND / budget;
    while (starts.length && (starts[0] as number) <= now - window) starts.shift();
    return starts.length < limit ? now : (starts[0] as number) + window;
  }

  const firstReady = () => firsts.size > 0 && firstsInFlight < maxFirstsInFlight;

  /** The next first read: the first of the scope whose turn it is, which then goes to the back. */
  function nextFirst(): Entry {
    const [scope, waiting] = firsts.entries().next().value as [string | undefined, Entry[]];
    const entry = waiting.shift() as Entry;
    firsts.delete(scope);
    if (waiting.length) firsts.set(scope, waiting);
    entry.first = false;
    return entry;
  }

  /**
   * Puts a pair in line: with its first read to come when it has no state and is due now,
   * otherwise in the queue.
   */
  function place(entry: Entry) {
    entry.held = false;
    entry.first = entry.dueAt <= Date.now() && entry.job.awaitsFirstState?.() === true;
    if (!entry.first) return enqueue(entry);
    const waiting = firsts.get(entry.job.scope);
    if (waiting) waiting.push(entry);
    else firsts.set(entry.job.scope, [entry]);
  }

  function arm() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const next = queue[0];
    // At a cap, the next poll to end arms the lane again.
    if (closed || (!next && !firstReady()) || inFlight >= options.maxInFlight) return;
    const now = Date.now();
    const at = options.paused() ? now + intervalMs : firstReady() || !next ? now : Math.max(next.dueAt, budgetFreeAt(now));
    timer = setTimeout(pump, Math.max(0, at - now));
  }

  function pump() {
    timer = undefined;
    if (!options.paused()) {
      const now = Date.now();
      while (inFlight < options.maxInFlight) {
        const first = firstReady();
        const due = queue.length > 0 && (queue[0] as Entry).dueAt <= now + batchMs && budgetFreeAt(now) <= now;
        if (first && (!due || !lastWasFirst)) start(nextFirst(), now, true);
        else if (due) start(queue.shift() as Entry, now, false);
        else break;
      }
    }
    arm();
  }

  /**
   * A poll that started late (a crowd of pairs due together against the cap on polls in flight or
   * the budget's window, a busy event loop) keeps its pair on its own schedule, catching up by a
   * quarter of an interval at most: carrying every moment's lateness into the next due time polled
   * the pair less often than every interval for good. The cap keeps two polls of a pair at least
   * three quarters of an interval apart, and under a budget too small for the pairs (or after a
   * paused vendor) lets every pair's interval stretch evenly instead of lurching to catch up.
   */
  function nextDue(dueAt: number, startedAt: number) {
    return Math.max(dueAt, startedAt - intervalMs / 4) + intervalMs;
  }

  /** A first read spends none of the budget, and counts against its own share of the polls in flight. */
  function start(entry: Entry, now: number, first: boolean) {
    lastWasFirst = first;
    running.add(entry.job);
    if (first) firstsInFlight += 1;
    else starts.push(now);
    inFlight += 1;
    void entry.job
      .run()
      .catch(() => {
        // The job reports its own outcome; a failed poll is polled again like any other.
      })
      .finally(() => {
        inFlight -= 1;
        if (first) firstsInFlight -= 1;
        running.delete(entry.job);
        if (closed) return;
        const current = entries.get(entry.job);
        if (current !== entry) {
          if (current?.held) place(current);
          return arm();
        }
        entry.dueAt = entry.again ? Date.now() : nextDue(entry.dueAt, now);
        entry.again = false;
        enqueue(entry);
        arm();
      });
  }

  return {
    add(job, delayMs = 0) {
      if (closed || entries.has(job)) return;
      const entry: Entry = { job, dueAt: Date.now() + delayMs, again: false, first: false, held: running.has(job) };
      entries.set(job, entry);
      // Removed while its poll is in flight, it waits for that poll to end (then `place`s it).
      if (!entry.held) place(entry);
      arm();
    },
    remove(job) {
      const entry = entries.get(job);
      if (!entry) return;
      entries.delete(job);
      // A first read's scope has a line while the entry waits in it; a held entry is in no line.
      const waiting = entry.first ? (firsts.get(job.scope) as Entry[]) : queue;
      const index = waiting.indexOf(entry);
      if (index >= 0) waiting.splice(index, 1);
      if (entry.first && !waiting.length) firsts.delete(job.scope);
      arm();
    },
    pollNow(job) {
      const entry = entries.get(job);
      if (!entry) return;
      // Awaiting its first read (or a poll in flight), it reads what the write left anyway.
      if (entry.first || entry.held) return;
      const index = queue.indexOf(entry);
      if (index < 0) {
        entry.again = true;
        return;
      }
      queue.splice(index, 1);
      entry.dueAt = Math.min(entry.dueAt, Date.now());
      enqueue(entry);
      arm();
    },
    setBudget(maxPollsPerSecond) {
      budget = maxPollsPerSecond;
      arm();
    },
    close() {
      closed = true;
      entries.clear();
      queue.length = 0;
      firsts.clear();
      arm();
    },
  };
}
