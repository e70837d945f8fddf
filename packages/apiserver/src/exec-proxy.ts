// pods/{name}/exec and pods/{name}/attach over WebSocket: the apiserver accepts the client's upgrade only once the
// pod's kubelet has accepted its own (TLS, with the apiserver's kubelet-client certificate), agreeing on the same
// channel subprotocol, then relays messages both ways unchanged.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { errors, statusFailure } from '@tinykube/api';
import { kubeletOf, podContainer, type KubeletClientTls } from './kubelet-proxy';
import type { Registry } from './registry';

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/;

export function refuseUpgrade(socket: Duplex, code: number, message: string): void {
  const reason = code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError';
  const body = JSON.stringify(statusFailure(code, reason, message));
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

export function execUpgradeHandler(registry: Registry, tls: KubeletClientTls) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://apiserver');
    const m = PATH.exec(url.pathname);
    if (!m) return refuseUpgrade(socket, 404, 'the server could not find the requested resource');
    void (async () => {
      const [ns, name, verb] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), m[3]!];
      const { pod, container } = await podContainer(registry, ns, name, url.searchParams.get('container'));
      if (!pod.spec.nodeName || pod.status?.phase !== 'Running') throw errors.badRequest(`pod ${name} is not running`);
      const { ip, port } = await kubeletOf(registry, pod);
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      const q = new URLSearchParams();
      if (verb === 'exec') for (const c of url.searchParams.getAll('command')) q.append('command', c);
      for (const k of ['stdin', 'tty']) if (url.searchParams.has(k)) q.set(k, url.searchParams.get(k)!);
      const upstream = new WebSocket(`wss://${ip}:${port}/${verb}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${q}`, offered, { ca: tls.ca, cert: tls.cert, key: tls.key });
      await new Promise<void>((resolve, reject) => {
        upstream.once('open', resolve);
        upstream.once('error', reject);
        upstream.once('unexpected-response', (_r, res) => reject(errors.badRequest(`kubelet refused ${verb}: ${res.statusCode}`)));
      });
      const wss = new WebSocketServer({ noServer: true, handleProtocols: () => upstream.protocol || false });
      wss.handleUpgrade(req, socket, head, (client) => {
        client.on('message', (data: Buffer) => upstream.readyState === upstream.OPEN && upstream.send(data));
        upstream.on('message', (data: Buffer) => client.readyState === client.OPEN && client.send(data));
        client.on('close', () => upstream.close());
        upstream.on('close', () => client.close(1000));
        client.on('error', () => upstream.close());
        upstream.on('error', () => client.close(1011));
      });
    })().catch((err: Error & { code?: unknown; status?: { code?: number } }) => {
      // Node's own errors carry string codes (ECONNREFUSED): those are the kubelet unreachable.
      const code = err.status?.code ?? (typeof err.code === 'number' ? err.code : 500);
      refuseUpgrade(socket, code, typeof err.code === 'string' ? `could not reach the kubelet: ${err.message}` : err.message);
    });
  };
}
