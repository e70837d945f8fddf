// Crash-loop back-off per container, as the kubelet's: the first restart is immediate, then
// each one waits twice as long (10 s, 20 s, ... capped at 5 min); a container that ran for
// `resetMs` clears its back-off.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  resetMs: number;
}

export class Backoff {
  private readonly entries = new Map<string, { delayMs: number }>();

  constructor(private readonly o: BackoffOptions) {}

  /** Milliseconds still to wait before restarting a container that finished at `finishedAt`. */
  remaining(key: string, finishedAt: number, ranMs: number, now = Date.now()): number {
    if (ranMs >= this.o.resetMs) this.entries.delete(key);
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, finishedAt + e.delayMs - now);
  }

  /** Records a restart: the next one waits longer. */
  next(key: string): void {
    const e = this.entries.get(key);
    this.entries.set(key, { delayMs: e ? Math.min(e.delayMs * 2, this.o.maxMs) : this.o.initialMs });
  }

  forget(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
