// Named health checks served as Kubernetes serves them: /livez and /readyz (and the legacy
// /healthz, which runs both sets), each check also on its own path (/readyz/etcd), and
// `?verbose` listing every check as `[+]etcd ok` or `[-]etcd failed: <why>`.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A check answers undefined when healthy, or why not; a throw counts as failed. */
export type Check = () => Promise<string | undefined> | string | undefined;

export class HealthChecks {
  private readonly live = new Map<string, Check>([['ping', () => undefined]]);
  private readonly ready = new Map<string, Check>([['ping', () => undefined]]);

  /** A check of liveness (restart me if it fails) and readiness. */
  addLive(name: string, check: Check): this {
    this.live.set(name, check);
    this.ready.set(name, check);
    return this;
  }

  /** A check of readiness only (do not send me work yet). */
  addReady(name: string, check: Check): this {
    this.ready.set(name, check);
    return this;
  }

  /** Serves the request if it is a health path; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/(livez|readyz|healthz)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) return false;
    const checks = m[1] === 'livez' ? this.live : this.ready;
    void this.answer(res, m[1]!, checks, m[2], url.searchParams.has('verbose')).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    return true;
  }

  /** Runs the checks: [name, failure reason or undefined]. */
  async run(which: 'livez' | 'readyz'): Promise<[string, string | undefined][]> {
    return Promise.all([...(which === 'livez' ? this.live : this.ready)].map(async ([name, check]) => [name, await runCheck(check)] as [string, string | undefined]));
  }

  private async answer(res: ServerResponse, path: string, checks: Map<string, Check>, only: string | undefined, verbose: boolean): Promise<void> {
    if (only) {
      const check = checks.get(only);
      if (!check) return send(res, 404, `${path}/${only}: no such check\n`);
      const why = await runCheck(check);
      return send(res, why ? 500 : 200, why ? `internal server error: ${why}\n` : 'ok');
    }
    const results = await Promise.all([...checks].map(async ([name, check]) => [name, await runCheck(check)] as const));
    const failed = results.some(([, why]) => why !== undefined);
    if (!verbose && !failed) return send(res, 200, 'ok');
    const lines = results.map(([name, why]) => (why === undefined ? `[+]${name} ok` : `[-]${name} failed: ${why}`));
    lines.push(failed ? `${path} check failed` : `${path} check passed`);
    return send(res, failed ? 500 : 200, `${lines.join('\n')}\n`);
  }
}

async function runCheck(check: Check): Promise<string | undefined> {
  try {
    return await check();
  } catch (err) {
    return (err as Error)?.message ?? String(err);
  }
}

function send(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
