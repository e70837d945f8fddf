import * as http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Duplex, Readable } from 'node:stream';
import type { ExecTarget } from './exec-server';

// The kubelet's own HTTP endpoint (port 10250 on the node IP): /healthz and /metrics, and
// /containerLogs/<ns>/<pod>/<container>, which the apiserver calls for `logs` with the
// cluster's kubelet token (nothing else may read logs).

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
}

export interface KubeletServerOptions {
  address: string;
  port: number;
  token: string;
  metrics: Registry;
  log: Logger;
  healthy: () => boolean;
  logs: (req: LogRequest) => Promise<Readable>;
  exec: (req: http.IncomingMessage, socket: Duplex, head: Buffer, target: ExecTarget) => void;
}

function authorized(req: http.IncomingMessage, token: string): boolean {
  const got = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

function fail(res: http.ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain' });
  res.end(`${message}\n`);
}

export function startKubeletServer(o: KubeletServerOptions): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (url.pathname === '/healthz') return fail(res, o.healthy() ? 200 : 500, o.healthy() ? 'ok' : 'not healthy');
    if (url.pathname === '/metrics') {
      void o.metrics.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': o.metrics.contentType });
        res.end(text);
      });
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'not found');
    if (!authorized(req, o.token)) return fail(res, 401, 'Unauthorized');
    const q = url.searchParams;
    const num = (k: string): number | undefined => (q.has(k) ? Number(q.get(k)) : undefined);
    const tailLines = num('tailLines');
    const sinceSeconds = num('sinceSeconds');
    o.logs({
      namespace: decodeURIComponent(m[1]!),
      pod: decodeURIComponent(m[2]!),
      container: decodeURIComponent(m[3]!),
      follow: q.get('follow') === 'true',
      previous: q.get('previous') === 'true',
      timestamps: q.get('timestamps') === 'true',
      ...(tailLines !== undefined && tailLines >= 0 ? { tailLines } : {}),
      ...(sinceSeconds ? { sinceSeconds } : {}),
    }).then(
      (stream) => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
        stream.pipe(res);
        res.on('close', () => stream.destroy());
      },
      (err: Error & { code?: number }) => fail(res, err.code ?? 400, err.message),
    );
  });
  // /exec/<ns>/<pod>/<container>?command=..&stdin=true&tty=true: a WebSocket upgrade.
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const m = /^\/exec\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m || !authorized(req, o.token)) {
      socket.end(`HTTP/1.1 ${m ? '401 Unauthorized' : '404 Not Found'}\r\n\r\n`);
      return;
    }
    const q = url.searchParams;
    o.exec(req, socket, head, {
      namespace: decodeURIComponent(m[1]!),
      pod: decodeURIComponent(m[2]!),
      container: decodeURIComponent(m[3]!),
      command: q.getAll('command'),
      stdin: q.get('stdin') === 'true' || q.get('stdin') === '1',
      tty: q.get('tty') === 'true' || q.get('tty') === '1',
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.address, () => {
      o.log.info({ address: o.address, port: o.port }, 'kubelet server listening');
      resolve(server);
    });
  });
}
