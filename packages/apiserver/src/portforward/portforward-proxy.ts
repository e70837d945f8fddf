// pods/{name}/portforward: kubectl's SPDY/3.1 session, either on the upgraded connection itself
// (`Upgrade: SPDY/3.1`) or tunnelled in a WebSocket's binary messages (subprotocol
// `SPDY/3.1+portforward.k8s.io`, kubectl 1.31+). Each forwarded connection is a pair of streams
// with the same `requestID`: `error` (the server writes what went wrong, then FIN) and `data`.
// The apiserver carries each pair to the pod's kubelet as one WebSocket,
// /portforward/<ns>/<pod>?port=N: binary messages are the connection's bytes, the text message
// "eof" says a side has no more to send, and "error:<text>" what failed.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
import { errors, R, type Pod } from '@tinykube/api';
import { kubeletOf, type KubeletClientTls } from '../kubelet-proxy';
import type { Registry } from '../registry';
import { refuseUpgrade } from '../exec-proxy';
import { PROTOCOL_ERROR, SpdySession, type SpdyStream } from './spdy-session';

export const PORTFORWARD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/;
const PROTOCOL = 'portforward.k8s.io';
const TUNNEL_PROTOCOL = `SPDY/3.1+${PROTOCOL}`;
/** Bytes queued toward the kubelet before the client is read no further. */
const HIGH_WATER = 1 << 20;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

export function portForwardUpgradeHandler(registry: Registry, tls: KubeletClientTls) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const m = PORTFORWARD_PATH.exec(url.pathname)!;
    void (async () => {
      const [ns, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
      const pod = (await registry.get(R.pods, ns, name)) as Pod;
      if (pod.status?.phase !== 'Running') throw errors.badRequest(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Pending'}`);
      const kubelet = await kubeletOf(registry, pod);
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
      let transport: Duplex;
      if (upgrade === 'websocket') {
        if (!offered.includes(TUNNEL_PROTOCOL)) throw errors.badRequest(`port-forward over WebSocket needs the subprotocol ${TUNNEL_PROTOCOL}`);
        const wss = new WebSocketServer({ noServer: true, handleProtocols: () => TUNNEL_PROTOCOL });
        const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
        transport = createWebSocketStream(ws);
      } else if (upgrade.startsWith('spdy/3.1')) {
        const versions = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim());
        if (!versions.includes(PROTOCOL)) throw errors.badRequest(`port-forward needs the stream protocol ${PROTOCOL}`);
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PROTOCOL}\r\n\r\n`);
        if (head.length) socket.unshift(head);
        transport = socket;
      } else throw errors.badRequest('port-forward needs an upgrade to SPDY/3.1 or WebSocket');
      serve(new SpdySession(transport), { ns, name, tls, ...kubelet });
    })().catch((err: Error & { status?: { code?: number } }) => refuseUpgrade(socket, err.status?.code ?? 500, err.message));
  };
}

interface Target {
  ns: string;
  name: string;
  ip: string;
  port: number;
  tls: KubeletClientTls;
}

function serve(session: SpdySession, t: Target): void {
  const pairs = new Map<string, Pair>();
  session.on('stream', (s: SpdyStream) => {
    const type = s.headers.streamtype;
    const id = s.headers.requestid ?? s.headers.port ?? '';
    if ((type !== 'error' && type !== 'data') || !s.headers.port) return s.reset(PROTOCOL_ERROR);
    const pair = pairs.get(id) ?? {};
    if (pair[type]) return s.reset(PROTOCOL_ERROR);
    pair[type] = s;
    pairs.set(id, pair);
    if (pair.error && pair.data) {
      pairs.delete(id);
      forward(session, pair.error, pair.data, t);
    }
  });
}

/** One forwarded connection: the data stream relayed to the kubelet, failures written to the error stream. */
function forward(session: SpdySession, errorStream: SpdyStream, data: SpdyStream, t: Target): void {
  const port = Number(data.headers.port);
  const fail = (message: string): void => {
    errorStream.write(Buffer.from(message));
    errorStream.end();
    data.end();
  };
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`unable to parse "${data.headers.port}" as a port: must be between 1 and 65535`);
  const upstream = new WebSocket(`wss://${t.ip}:${t.port}/portforward/${encodeURIComponent(t.ns)}/${encodeURIComponent(t.name)}?port=${port}`, { ca: t.tls.ca, cert: t.tls.cert, key: t.tls.key });
  const early: Buffer[] = [];
  let clientEnded = false;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    errorStream.end();
    data.end();
  };
  data.on('data', (chunk: Buffer) => {
    if (upstream.readyState !== WebSocket.OPEN) return void early.push(chunk);
    upstream.send(chunk, () => {
      if (upstream.bufferedAmount < HIGH_WATER) session.resume();
    });
    if (upstream.bufferedAmount >= HIGH_WATER) session.pause();
  });
  data.on('end', () => {
    clientEnded = true;
    if (upstream.readyState === WebSocket.OPEN) upstream.send('eof');
  });
  data.on('close', () => upstream.close());
  errorStream.on('close', () => upstream.close());
  upstream.on('open', () => {
    for (const chunk of early.splice(0)) upstream.send(chunk);
    if (clientEnded) upstream.send('eof');
  });
  upstream.on('message', (msg: Buffer, binary: boolean) => {
    if (binary) {
      if (!data.write(msg)) upstream.pause();
      return;
    }
    const text = msg.toString();
    if (text === 'eof') data.end();
    else if (text.startsWith('error:')) {
      finished = true;
      fail(text.slice(6));
    }
  });
  const onDrain = (): void => {
    if (upstream.isPaused) upstream.resume();
  };
  session.on('drain', onDrain);
  upstream.on('unexpected-response', (r, res) => {
    r.destroy();
    finished = true;
    fail(`error forwarding port ${port} to pod ${t.name}: the kubelet answered ${res.statusCode}`);
  });
  upstream.on('error', (err) => {
    if (!finished) {
      finished = true;
      fail(`error forwarding port ${port} to pod ${t.name}: could not reach the kubelet: ${err.message}`);
    }
  });
  upstream.on('close', () => {
    session.off('drain', onDrain);
    finish();
  });
}
