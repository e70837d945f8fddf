import { PassThrough, type Duplex, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { timestamp } from '@tinykube/api';
import { LABEL_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_HASH, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from './labels';

// The kubelet's only way to the host's containers: the Docker Engine API through dockerode.

export interface RuntimeContainer {
  id: string;
  podUid: string;
  podName: string;
  namespace: string;
  /** The container's name in the pod spec, or POD for the sandbox. */
  name: string;
  attempt: number;
  hash: string;
  running: boolean;
  created: number;
}

export interface ContainerDetails {
  id: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt?: string;
  finishedAt?: string;
  imageId: string;
  ip: string;
  /** The container's first process, in the host's PID namespace (0 when not running). */
  pid: number;
  /** The resolv.conf Docker made for it, shared by the containers that join its network. */
  resolvConfPath?: string;
}

export class ImagePullError extends Error {}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** How long one Engine API call may take (a stop also gets its grace period, a pull longer). */
const CALL_MS = 60_000;
const PULL_MS = 10 * 60_000;

/**
 * An Engine API call that does not answer in time fails, so the pod sync that made it fails and
 * is retried, instead of stalling its worker for good (dockerode calls have no deadline).
 */
export function bounded<T>(what: string, ms: number, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`docker ${what}: no answer in ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}

export class DockerRuntime {
  readonly docker: Docker;
  /**
   * Containers a `die` event named: Docker 20.10 sends the event before its container list
   * shows the exit (checked here: a list right after the event said running 40 times of 40,
   * inspect never), so a sync woken by the event would see it running and wait for housekeeping.
   */
  private readonly died = new Set<string>();

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async version(): Promise<string> {
    return (await bounded('version', CALL_MS, this.docker.version())).Version;
  }

  /** Every container that belongs to a pod, sandbox or app, running or not. */
  async listPodContainers(): Promise<RuntimeContainer[]> {
    const list = await bounded('list', CALL_MS, this.docker.listContainers({ all: true, filters: { label: [LABEL_POD_UID] } }));
    for (const c of list) if (c.State !== 'running') this.died.delete(c.Id);
    const live = new Set(list.map((c) => c.Id));
    for (const id of this.died) if (!live.has(id)) this.died.delete(id);
    return list.map((c) => ({
      id: c.Id,
      podUid: c.Labels[LABEL_POD_UID] ?? '',
      podName: c.Labels[LABEL_POD_NAME] ?? '',
      namespace: c.Labels[LABEL_POD_NAMESPACE] ?? '',
      name: c.Labels[LABEL_CONTAINER_NAME] ?? '',
      attempt: Number(c.Labels[LABEL_ATTEMPT] ?? 0),
      hash: c.Labels[LABEL_HASH] ?? '',
      running: c.State === 'running' && !this.died.has(c.Id),
      created: c.Created,
    }));
  }

  async inspect(id: string, network?: string): Promise<ContainerDetails> {
    const i = await bounded('inspect', CALL_MS, this.docker.getContainer(id).inspect());
    const ts = (t: string | undefined): string | undefined => (t && t !== ZERO_TIME ? timestamp(Date.parse(t)) : undefined);
    const started = ts(i.State.StartedAt);
    const finished = ts(i.State.FinishedAt);
    return {
      id: i.Id,
      running: i.State.Running,
      exitCode: i.State.ExitCode,
      oomKilled: i.State.OOMKilled,
      error: i.State.Error,
      ...(started ? { startedAt: started } : {}),
      ...(finished ? { finishedAt: finished } : {}),
      imageId: i.Image,
      ip: network ? (i.NetworkSettings.Networks[network]?.IPAddress ?? '') : '',
      pid: i.State.Pid ?? 0,
      resolvConfPath: i.ResolvConfPath ?? '',
    };
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await bounded('image inspect', CALL_MS, this.docker.getImage(ref).inspect());
      return true;
    } catch {
      return false;
    }
  }

  /** The user an image runs as (its config's User, '' for root by default). */
  async imageUser(ref: string): Promise<string> {
    return (await bounded('image inspect', CALL_MS, this.docker.getImage(ref).inspect())).Config?.User ?? '';
  }

  /** The last lines of a container's log, as text. */
  async tail(id: string, lines: number): Promise<string> {
    const buf = await bounded('logs', CALL_MS, this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail: lines }));
    return demux(buf).toString('utf8');
  }

  /** Pulls `ref` (through the host's registry mirror); rejects with ImagePullError. */
  async pull(ref: string): Promise<void> {
    const image = ref.includes(':') || ref.includes('@') ? ref : `${ref}:latest`;
    try {
      const stream = (await bounded('pull', CALL_MS, this.docker.pull(image))) as NodeJS.ReadableStream;
      await bounded(
        'pull',
        PULL_MS,
        new Promise<void>((resolve, reject) => {
          this.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
            const e = err?.message ?? out.find((o) => o.error)?.error;
            if (e) reject(new Error(e));
            else resolve();
          });
        }),
      );
    } catch (err) {
      throw new ImagePullError(`failed to pull image "${ref}": ${(err as Error).message}`);
    }
  }

  async create(opts: Docker.ContainerCreateOptions): Promise<string> {
    const c = await bounded('create', CALL_MS, this.docker.createContainer(opts));
    return c.id;
  }

  async start(id: string): Promise<void> {
    await bounded('start', CALL_MS, this.docker.getContainer(id).start());
  }

  /** SIGTERM, then SIGKILL after `graceSeconds` (docker stop). Ignores containers already gone or stopped. */
  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      const t = Math.max(0, Math.floor(graceSeconds));
      await bounded('stop', CALL_MS + t * 1000, this.docker.getContainer(id).stop({ t }));
    } catch (err) {
      if (!isGoneOrStopped(err)) throw err;
    }
  }

  /** Attaches to a running container's stdio (its output from now on; stdin if it was created with one). */
  async attach(id: string, stdin: boolean): Promise<Duplex> {
    return (await bounded('attach', CALL_MS, this.docker.getContainer(id).attach({ stream: true, stdin, stdout: true, stderr: true, hijack: true }))) as unknown as Duplex;
  }

  /** Whether a container has a TTY (its output is then one raw stream). */
  async hasTty(id: string): Promise<boolean> {
    return (await bounded('inspect', CALL_MS, this.docker.getContainer(id).inspect())).Config.Tty;
  }

  async resize(id: string, w: number, h: number): Promise<void> {
    await bounded('resize', CALL_MS, this.docker.getContainer(id).resize({ w, h }));
  }

  async remove(id: string): Promise<void> {
    try {
      await bounded('remove', CALL_MS, this.docker.getContainer(id).remove({ force: true, v: true }));
    } catch (err) {
      if (!isGoneOrStopped(err)) throw err;
    }
  }

  /** Starts a command in a container with a hijacked stream (probes, hooks and kubectl exec). */
  async startExec(id: string, o: { cmd: string[]; stdin: boolean; tty: boolean }): Promise<{ exec: Docker.Exec; stream: Duplex }> {
    const exec = await bounded('exec', CALL_MS, this.docker.getContainer(id).exec({ Cmd: o.cmd, AttachStdin: o.stdin, AttachStdout: true, AttachStderr: true, Tty: o.tty }));
    const stream = await bounded('exec start', CALL_MS, exec.start({ hijack: true, stdin: o.stdin, Tty: o.tty }));
    return { exec, stream };
  }

  /** Runs a command in a running container; output is capped. Times out to exit code -1. */
  async exec(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const { exec, stream } = await this.startExec(id, { cmd, stdin: false, tty: false });
    const out = new PassThrough();
    let output = '';
    out.on('data', (d: Buffer) => {
      if (output.length < 10_000) output += d.toString();
    });
    this.docker.modem.demuxStream(stream, out, out);
    const finished = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    try {
      await bounded('exec', timeoutMs, finished);
    } catch {
      stream.destroy();
      return { exitCode: -1, output: `command timed out after ${timeoutMs} ms` };
    }
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output };
  }

  /** A container's log as a plain byte stream (stdout and stderr interleaved). */
  async logs(id: string, o: { follow: boolean; tail?: number; timestamps: boolean; sinceSeconds?: number }): Promise<Readable> {
    const c = this.docker.getContainer(id);
    const base = { stdout: true, stderr: true, timestamps: o.timestamps, ...(o.tail !== undefined ? { tail: o.tail } : {}), ...(o.sinceSeconds ? { since: Math.floor(Date.now() / 1000) - o.sinceSeconds } : {}) };
    const out = new PassThrough();
    if (o.follow) {
      const stream = await c.logs({ ...base, follow: true });
      this.docker.modem.demuxStream(stream, out, out);
      stream.on('end', () => out.end());
      stream.on('error', (e) => out.destroy(e));
      out.on('close', () => (stream as unknown as { destroy(): void }).destroy());
    } else {
      const buf = await c.logs({ ...base, follow: false });
      out.end(demux(buf));
    }
    return out;
  }

  /**
   * Deaths (die, oom) of pod containers, with their labels; re-opens the stream if it breaks.
   * Creations and starts are the kubelet's own doing and need no sync.
   */
  watchEvents(onEvent: (labels: Record<string, string>) => void, onError: (err: unknown) => void): () => void {
    let stopped = false;
    let current: NodeJS.ReadableStream | undefined;
    const open = async (): Promise<void> => {
      while (!stopped) {
        try {
          const stream = (await this.docker.getEvents({ filters: { type: ['container'], event: ['die', 'oom'], label: [LABEL_POD_UID] } }));
          current = stream;
          let buf = '';
          stream.on('data', (d: Buffer) => {
            buf += d.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              try {
                const ev = JSON.parse(line) as { id?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
                if (ev.Action === 'die' && ev.id) this.died.add(ev.id);
                if (ev.Actor?.Attributes?.[LABEL_POD_UID]) onEvent(ev.Actor.Attributes);
              } catch {
                // not a whole event
              }
            }
          });
          await new Promise<void>((resolve) => {
            stream.on('end', resolve);
            stream.on('error', () => resolve());
            stream.on('close', resolve);
          });
        } catch (err) {
          onError(err);
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 1000));
      }
    };
    void open();
    return () => {
      stopped = true;
      (current as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    };
  }
}

/** Docker's multiplexed (non-TTY) log frames to plain bytes. */
export function demux(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i]!;
    if (type > 2) return buf; // a TTY container's log is not framed
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts);
}

function isGoneOrStopped(err: unknown): boolean {
  const code = (err as { statusCode?: number }).statusCode;
  return code === 404 || code === 304 || code === 409;
}

