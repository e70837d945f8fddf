import * as net from 'node:net';
import type { Container, HTTPGetAction, IntOrString, Probe, TCPSocketAction } from '@tinykube/api';

// Liveness, readiness and startup probes. One worker per (container instance, probe kind)
// probes every periodSeconds after initialDelaySeconds and flips its result only after
// successThreshold successes or failureThreshold failures in a row, as the kubelet does.

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeTarget {
  podKey: string;
  containerId: string;
  container: Container;
  podIP: string;
  exec(cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
}

export interface ProbeOutcome {
  ok: boolean;
  message: string;
}

function resolvePort(port: IntOrString, c: Container): number {
  if (typeof port === 'number') return port;
  const named = c.ports?.find((p) => p.name === port);
  if (named) return named.containerPort;
  const n = Number(port);
  if (Number.isInteger(n)) return n;
  throw new Error(`port ${port} names no port of container ${c.name}`);
}

async function httpProbe(a: HTTPGetAction, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const url = `${(a.scheme ?? 'HTTP').toLowerCase()}://${a.host ?? t.podIP}:${resolvePort(a.port, t.container)}${a.path ?? '/'}`;
  try {
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.31' };
    for (const h of a.httpHeaders ?? []) headers[h.name] = h.value;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${res.status}` };
  } catch (err) {
    return { ok: false, message: `Get "${url}": ${(err as Error).cause ? String((err as Error & { cause: Error }).cause.message) : (err as Error).message}` };
  }
}

function tcpProbe(a: TCPSocketAction, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const host = a.host ?? t.podIP;
  const port = resolvePort(a.port, t.container);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (o: ProbeOutcome): void => {
      sock.destroy();
      resolve(o);
    };
    sock.setTimeout(timeoutMs, () => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }));
    sock.on('connect', () => done({ ok: true, message: '' }));
    sock.on('error', (e) => done({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

/** Runs one probe once. Exported for the lifecycle hooks, which use the same handlers. */
export async function runHandler(p: { exec?: { command?: string[] }; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction }, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    if (p.exec) {
      const r = await t.exec(p.exec.command ?? [], timeoutMs);
      return r.exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: r.exitCode === -1 ? r.output : `command ${JSON.stringify(p.exec.command)} exited with ${r.exitCode}: ${r.output.trim()}` };
    }
    if (p.httpGet) return await httpProbe(p.httpGet, t, timeoutMs);
    if (p.tcpSocket) return await tcpProbe(p.tcpSocket, t, timeoutMs);
    return { ok: false, message: 'probe has no handler' };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

interface Worker {
  podKey: string;
  timer?: NodeJS.Timeout;
  result: boolean;
  successes: number;
  failures: number;
  /** A startup probe that failed failureThreshold times in a row: the container restarts. */
  gaveUp: boolean;
  stopped: boolean;
}

/** Keeps the probe workers of running containers and their current results. */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly onChange: (podKey: string, kind: ProbeKind, containerName: string, outcome: ProbeOutcome) => void,
    private readonly onFailure: (podKey: string, kind: ProbeKind, containerName: string, message: string) => void,
  ) {}

  private key(containerId: string, kind: ProbeKind): string {
    return `${containerId}/${kind}`;
  }

  /** Starts the container's probe workers unless they run already. */
  ensure(t: ProbeTarget): void {
    const probes: [ProbeKind, Probe | undefined][] = [
      ['startup', t.container.startupProbe],
      ['liveness', t.container.livenessProbe],
      ['readiness', t.container.readinessProbe],
    ];
    for (const [kind, probe] of probes) {
      if (!probe) continue;
      const key = this.key(t.containerId, kind);
      if (this.workers.has(key)) continue;
      // Before the first verdict: readiness and startup count as failing, liveness as passing.
      const w: Worker = { podKey: t.podKey, result: kind === 'liveness', successes: 0, failures: 0, gaveUp: false, stopped: false };
      this.workers.set(key, w);
      const period = (probe.periodSeconds ?? 10) * 1000;
      const timeout = (probe.timeoutSeconds ?? 1) * 1000;
      const success = probe.successThreshold ?? 1;
      const failure = probe.failureThreshold ?? 3;
      const tick = async (): Promise<void> => {
        if (w.stopped) return;
        // Liveness and readiness wait for the startup probe to pass.
        if (kind !== 'startup' && t.container.startupProbe && !this.result(t.containerId, 'startup')) {
          w.timer = setTimeout(() => void tick(), period);
          return;
        }
        const o = await runHandler(probe, t, timeout);
        if (w.stopped) return;
        if (o.ok) {
          w.successes++;
          w.failures = 0;
        } else {
          w.failures++;
          w.successes = 0;
        }
        if (!w.result && o.ok && w.successes >= success) {
          w.result = true;
          this.onChange(t.podKey, kind, t.container.name, o);
        } else if (w.result && !o.ok && w.failures >= failure) {
          w.result = false;
          this.onChange(t.podKey, kind, t.container.name, o);
        } else if (kind === 'startup' && !o.ok && w.failures >= failure) {
          w.gaveUp = true;
          this.onFailure(t.podKey, kind, t.container.name, o.message);
          this.onChange(t.podKey, kind, t.container.name, o);
          return;
        }
        if (!o.ok) this.onFailure(t.podKey, kind, t.container.name, o.message);
        // A started container's startup probe is done.
        if (kind === 'startup' && w.result) return;
        w.timer = setTimeout(() => void tick(), period);
      };
      w.timer = setTimeout(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000);
    }
  }

  /** The current result; a container without that probe counts as passing. */
  result(containerId: string, kind: ProbeKind): boolean {
    return this.workers.get(this.key(containerId, kind))?.result ?? true;
  }

  /** Whether the container must be restarted: liveness failed, or startup never passed. */
  failed(containerId: string): boolean {
    return !this.result(containerId, 'liveness') || this.workers.get(this.key(containerId, 'startup'))?.gaveUp === true;
  }

  /** Stops the workers of the pod's containers that are not in `live`. */
  retainPod(podKey: string, live: ReadonlySet<string>): void {
    for (const [key, w] of this.workers) {
      if (w.podKey !== podKey || live.has(key.slice(0, key.lastIndexOf('/')))) continue;
      this.stopWorker(key, w);
    }
  }

  stopAll(): void {
    for (const [key, w] of this.workers) this.stopWorker(key, w);
  }

  private stopWorker(key: string, w: Worker): void {
    w.stopped = true;
    clearTimeout(w.timer);
    this.workers.delete(key);
  }
}
