import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { verifiedPeer } from '@tinykube/pki';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Duplex, Readable } from 'node:stream';
import type { ExecTarget } from './exec-server';
import type { PortForwardTarget } from './port-forwarder';

// The kubelet's own HTTPS endpoint (port 10250 on the node IP), with a serving certificate the
// cluster CA signed: /healthz, and for the apiserver only (its kubelet-client certificate, or a
// system:masters one) /metrics, /containerLogs/<ns>/<pod>/<container>, /exec, /attach
// and /portforward.

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
  /** Serving certificate and key (none yet: handshakes fail until setCertificate), and the CA that signs callers' client certificates (PEM). */
  tls: { cert?: string; key?: string; clientCa: string };
  metrics: Registry;
  log: Logger;
  healthy: () => boolean;
  logs: (req: LogRequest) => Promise<Readable>;
  exec: (req: http.IncomingMessage, socket: Duplex, head: Buffer, target: ExecTarget) => void;
  portForward: (req: http.IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget) => void;
}

/** The CN the apiserver's kubelet-client certificate carries (kubeadm's name). */
export const APISERVER_KUBELET_CLIENT = 'kube-apiserver-kubelet-client';

/** 0: the apiserver (or a cluster admin); 401: no verified client certificate; 403: someone else. */
export function callerCheck(req: http.IncomingMessage): 0 | 401 | 403 {
  const peer = verifiedPeer(req.socket as TLSSocket);
  if (!peer) return 401;
  return peer.name === APISERVER_KUBELET_CLIENT || peer.groups.includes('system:masters') ? 0 : 403;
}

function fail(res: http.ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain' });
  res.end(`${message}\n`);
}

export interface KubeletServer {
  /** Serves with this certificate from the next handshake on (a new or rotated one). */
  setCertificate(id: { cert: string; key: string }): void;
  address(): AddressInfo;
  close(): void;
}

export function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const server = https.createServer({ ...(o.tls.cert && o.tls.key ? { cert: o.tls.cert, key: o.tls.key } : {}), ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') return fail(res, o.healthy() ? 200 : 500, o.healthy() ? 'ok' : 'not healthy');
    const caller = callerCheck(req);
    if (caller === 401) return fail(res, 401, 'Unauthorized');
    if (caller === 403) return fail(res, 403, 'Forbidden: only the apiserver may use the kubelet API');
    if (url.pathname === '/metrics') {
      void o.metrics.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': o.metrics.contentType });
        res.end(text);
      });
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'not found');
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
  // WebSocket upgrades: /exec/<ns>/<pod>/<container>?command=..&stdin=true&tty=true,
  // /attach/<ns>/<pod>/<container>?stdin=..&tty=.. and /portforward/<ns>/<pod>?port=N.
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const m = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const pf = /^\/portforward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const caller = callerCheck(req);
    if ((!m && !pf) || caller !== 0) {
      socket.end(`HTTP/1.1 ${!m && !pf ? '404 Not Found' : caller === 401 ? '401 Unauthorized' : '403 Forbidden'}\r\n\r\n`);
      return;
    }
    if (pf) {
      const port = Number(url.searchParams.get('port'));
      if (!Number.isInteger(port) || port < 1 || port > 65535) return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return o.portForward(req, socket, head, { namespace: decodeURIComponent(pf[1]!), pod: decodeURIComponent(pf[2]!), port });
    }
    if (!m) return;
    const q = url.searchParams;
    o.exec(req, socket, head, {
      namespace: decodeURIComponent(m[2]!),
      pod: decodeURIComponent(m[3]!),
      container: decodeURIComponent(m[4]!),
      command: q.getAll('command'),
      attach: m[1] === 'attach',
      stdin: q.get('stdin') === 'true' || q.get('stdin') === '1',
      tty: q.get('tty') === 'true' || q.get('tty') === '1',
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.address, () => {
      o.log.info({ address: o.address, port: o.port, certificate: Boolean(o.tls.cert) }, 'kubelet server listening');
      resolve({ setCertificate: (id) => server.setSecureContext({ cert: id.cert, key: id.key, ca: o.tls.clientCa }), address: () => server.address() as AddressInfo, close: () => server.close() });
    });
  });
}
