// One forwarded connection of `kubectl port-forward`, on the kubelet: a WebSocket from the
// apiserver (/portforward/<ns>/<pod>?port=N) relayed to localhost:N inside the pod's network
// namespace, as Kubernetes' runtimes connect (dockershim ran socat under nsenter). Here a small
// Node.js relay runs under `nsenter --net` of the pod's sandbox. Binary messages are the
// connection's bytes; the text message "eof" says a side has no more to send (a half-close), and
// "error:<text>" what failed, in the kubelet's words.
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

/** The sandbox's process and the pod's uid, or a reason there is none. */
export type SandboxLookup = (t: PortForwardTarget) => Promise<{ pid: number; uid: string }>;

/** Connects to 127.0.0.1:argv[1] and relays stdin/stdout (exiting once stdout is flushed); a failure is the only thing on stderr. */
const RELAY = `const s = require('net').connect(Number(process.argv[1]), '127.0.0.1');
process.stdin.pipe(s);
s.on('data', (d) => process.stdout.write(d));
s.on('end', () => process.stdout.write('', () => process.exit(0)));
s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });`;

const HIGH_WATER = 1 << 20;

export class PortForwarder {
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly sandbox: SandboxLookup) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, t: PortForwardTarget): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.relay(ws, t));
  }

  private async relay(ws: WebSocket, t: PortForwardTarget): Promise<void> {
    const early: Array<{ data: Buffer; binary: boolean }> = [];
    const hold = (data: Buffer, binary: boolean): number => early.push({ data, binary });
    ws.on('message', hold);
    let sandbox: { pid: number; uid: string };
    try {
      sandbox = await this.sandbox(t);
    } catch (err) {
      ws.send(`error:error forwarding port ${t.port} to pod ${t.pod}: ${(err as Error).message}`);
      ws.close(1000);
      return;
    }
    const child = spawn('nsenter', [`--target=${sandbox.pid}`, '--net', '--', process.execPath, '-e', RELAY, String(t.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      ws.send(d, () => {
        if (ws.bufferedAmount < HIGH_WATER) child.stdout.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER) child.stdout.pause();
    });
    const deliver = (data: Buffer, binary: boolean): void => {
      if (!binary) {
        if (data.toString() === 'eof') child.stdin.end();
        return;
      }
      if (!child.stdin.write(data)) {
        ws.pause();
        child.stdin.once('drain', () => ws.resume());
      }
    };
    ws.off('message', hold);
    ws.on('message', deliver);
    for (const m of early.splice(0)) deliver(m.data, m.binary);
    child.stdin.on('error', () => undefined);
    ws.on('close', () => child.kill());
    child.on('error', (err) => {
      ws.send(`error:error forwarding port ${t.port} to pod ${t.pod}, uid ${sandbox.uid}: ${err.message}`);
      ws.close(1000);
    });
    child.on('close', (code) => {
      if (code === 0) ws.send('eof');
      else ws.send(`error:error forwarding port ${t.port} to pod ${t.pod}, uid ${sandbox.uid}: failed to connect to localhost:${t.port} inside the pod's network namespace: ${stderr.trim() || `exit code ${code}`}`);
      ws.close(1000);
    });
  }
}
