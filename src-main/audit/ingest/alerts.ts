/**
 * LOGIN_ERROR bursts (issue 9, item 2): `threshold` or more failed logins from one user name and
 * one source address within `windowMs` (by the events' own timestamps, not the wall clock) are
 * one burst. A burst stays open while further failures from the same pair follow within the
 * window of the previous one, so a long brute-force run is one alert with its full count; a gap
 * longer than the window closes it. Identity of a burst: the key of its first event, so
 * re-ingesting the same lines finds the same bursts (and the streams drop them as duplicates).
 */

export interface LoginFailure {
  /** The user name the login tried (null when Cassandra did not say). */
  user: string | null;
  source: string;
  atMs: number;
  eventKey: string;
  /** The stream the failure was attributed to (the tried user's tenant, or platform). */
  stream: string;
  node: string | null;
}

export interface Burst {
  user: string | null;
  source: string;
  stream: string;
  node: string | null;
  count: number;
  firstMs: number;
  lastMs: number;
  firstEventKey: string;
}

interface PairState {
  recent: LoginFailure[];
  open: Burst | null;
  lastMs: number;
}

export class BurstDetector {
  private readonly pairs = new Map<string, PairState>();
  private closed: Burst[] = [];

  constructor(
    readonly threshold = 5,
    readonly windowMs = 60_000,
  ) {
    if (threshold < 2) throw new Error('burst threshold must be at least 2');
  }

  push(f: LoginFailure): void {
    const pairKey = `${f.user ?? ''}\u0000${f.source}`;
    let s = this.pairs.get(pairKey);
    if (!s) this.pairs.set(pairKey, (s = { recent: [], open: null, lastMs: f.atMs }));
    s.lastMs = Math.max(s.lastMs, f.atMs);
    if (s.open) {
      if (Math.abs(f.atMs - s.open.lastMs) <= this.windowMs) {
        s.open.count += 1;
        s.open.lastMs = Math.max(s.open.lastMs, f.atMs);
        s.open.firstMs = Math.min(s.open.firstMs, f.atMs);
        return;
      }
      this.closed.push(s.open);
      s.open = null;
    }
    s.recent = s.recent.filter((r) => Math.abs(f.atMs - r.atMs) <= this.windowMs);
    s.recent.push(f);
    if (s.recent.length >= this.threshold) {
      const first = s.recent.reduce((a, b) => (b.atMs < a.atMs ? b : a));
      s.open = {
        user: f.user,
        source: f.source,
        stream: f.stream,
        node: first.node,
        count: s.recent.length,
        firstMs: Math.min(...s.recent.map((r) => r.atMs)),
        lastMs: Math.max(...s.recent.map((r) => r.atMs)),
        firstEventKey: first.eventKey,
      };
      s.recent = [];
    }
  }

  /**
   * Bursts that are over: every burst whose last failure is more than the window before `nowMs`
   * (the newest event time seen), or all of them when `nowMs` is omitted (end of input).
   * Pairs with nothing recent are forgotten, so memory follows the active pairs only.
   */
  drain(nowMs?: number): Burst[] {
    for (const [k, s] of this.pairs) {
      const quiet = nowMs === undefined || nowMs - s.lastMs > this.windowMs;
      if (s.open && quiet) {
        this.closed.push(s.open);
        s.open = null;
      }
      if (quiet) this.pairs.delete(k);
    }
    const out = this.closed;
    this.closed = [];
    return out;
  }
}
