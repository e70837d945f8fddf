import type { Daemons } from './processes';

/**
 * Polls `check` until it answers true. Fails early, with the tail of its log, when one of the
 * `watch`ed daemons keeps crashing (or lost its supervisor), and at the deadline with the last error `check` threw.
 */
export async function waitForDaemons(o: { what: string; timeoutMs: number; check: () => Promise<boolean>; daemons: Daemons; watch: string[]; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await o.check()) return;
    } catch (err) {
      last = err;
    }
    for (const name of o.watch) if (o.daemons.crashing(name)) throw o.daemons.exited(name);
    if (Date.now() > deadline) throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${o.what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 200));
  }
}
