// Waiting on a condition with a deadline: the only way tests synchronise (never a bare sleep).

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  what?: string;
}

export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, o: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastErr = e;
      if ((e as Error)?.message?.startsWith('etcd exited')) throw e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${o.what ?? 'condition'}${lastErr ? `: ${(lastErr as Error).message ?? String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 50));
  }
}
