import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DockerRuntime } from './docker-runtime';

// `exec` and `attach` over WebSocket with Kubernetes' channel protocol (v4/v5.channel.k8s.io): every binary
// message starts with its channel — 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 terminal
// resize, and in v5 255 "close" (the client has no more stdin). The command runs through the
// Docker Engine API (exec with a hijacked stream); attach joins the container's own stdio
// (Docker's attach), so leaving it leaves the container running.

export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
  /** Attach to the container's process instead of running `command`. */
  attach?: boolean;
}

/** Status sent on channel 3 when the command ends, as the kubelet writes it. */
export function exitStatus(cmd: string[], code: number): string {
  if (code === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  });
}

export function pickProtocol(offered: Set<string>): string | false {
  return CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false;
}

export class ExecServer {
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickProtocol(offered) });

  constructor(
    private readonly runtime: DockerRuntime,
    private readonly containerId: (t: ExecTarget) => Promise<string>,
  ) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, t: ExecTarget): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.run(ws, t).catch(() => ws.close(1011)));
  }

  private send(ws: WebSocket, channel: number, data: Buffer | string): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]));
  }

  private async run(ws: WebSocket, t: ExecTarget): Promise<void> {
    // The client may send stdin (and close it) before the exec is set up: keep it until then.
    const early: Buffer[] = [];
    let deliver = (data: Buffer): void => void early.push(data);
    ws.on('message', (data: Buffer) => deliver(data));
    let id: string;
    try {
      id = await this.containerId(t);
    } catch (err) {
      this.send(ws, 3, JSON.stringify({ metadata: {}, status: 'Failure', message: (err as Error).message, reason: 'BadRequest' }));
      ws.close(1000);
      return;
    }
    if (t.attach) return this.attach(ws, id, t, early, (f) => (deliver = f));
    const { exec, stream } = await this.runtime.startExec(id, { cmd: t.command, stdin: t.stdin, tty: t.tty });
    this.relayOutput(ws, stream, t.tty);
    deliver = (data: Buffer): void => {
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === 0 && t.stdin) stream.write(body);
      else if (channel === 4) {
        const size = JSON.parse(body.toString()) as { Width: number; Height: number };
        void exec.resize({ w: size.Width, h: size.Height }).catch(() => undefined);
      } else if (channel === 255 && body[0] === 0) stream.end();
    };
    for (const data of early.splice(0)) deliver(data);
    ws.on('close', () => stream.destroy());
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    const info = await exec.inspect();
    this.send(ws, 3, exitStatus(t.command, info.ExitCode ?? 1));
    ws.close(1000);
  }

  /** Docker's output to channels 1 and 2: one raw stream with a TTY, else multiplexed. */
  private relayOutput(ws: WebSocket, stream: NodeJS.ReadableStream, tty: boolean): void {
    if (tty) {
      stream.on('data', (d: Buffer) => this.send(ws, 1, d));
      return;
    }
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (d: Buffer) => this.send(ws, 1, d));
    err.on('data', (d: Buffer) => this.send(ws, 2, d));
    this.runtime.docker.modem.demuxStream(stream, out, err);
  }

  /** Relays the container's stdio until it exits (Success on channel 3) or the client leaves. */
  private async attach(ws: WebSocket, id: string, t: ExecTarget, early: Buffer[], setDeliver: (f: (data: Buffer) => void) => void): Promise<void> {
    const tty = await this.runtime.hasTty(id);
    const stream = await this.runtime.attach(id, t.stdin);
    this.relayOutput(ws, stream, tty);
    const deliver = (data: Buffer): void => {
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === 0 && t.stdin) stream.write(body);
      else if (channel === 4) {
        const size = JSON.parse(body.toString()) as { Width: number; Height: number };
        void this.runtime.resize(id, size.Width, size.Height).catch(() => undefined);
      }
    };
    setDeliver(deliver);
    for (const data of early.splice(0)) deliver(data);
    let left = false;
    ws.on('close', () => {
      left = true;
      stream.destroy();
    });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    if (!left) this.send(ws, 3, JSON.stringify({ metadata: {}, status: 'Success' }));
    ws.close(1000);
  }
}
