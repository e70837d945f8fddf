import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// The local cluster's daemons: each a detached process with its log in logs/<name>.log and its
// pid in pids/<name>.pid. A pid file counts only while that pid still runs the same command
// line, so a recycled pid is never signalled.

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  /** Start inside this network namespace (through nsenter, which keeps /sys and cgroups intact). */
  netns?: string;
  env?: Record<string, string>;
}

export class Daemons {
  constructor(private readonly stateDir: string) {}

  private pidFile(name: string): string {
    return path.join(this.stateDir, 'pids', `${name}.pid`);
  }

  logFile(name: string): string {
    return path.join(this.stateDir, 'logs', `${name}.log`);
  }

  /** The pid of a running daemon of that name, or undefined. */
  running(name: string): number | undefined {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile(name), 'utf8').trim());
    } catch {
      return undefined;
    }
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) && ownedBy(pid, this.stateDir, name) ? pid : undefined;
  }

  /** Starts the daemon unless it already runs; returns its pid. */
  start(spec: DaemonSpec): number {
    const existing = this.running(spec.name);
    if (existing) return existing;
    fs.mkdirSync(path.dirname(this.pidFile(spec.name)), { recursive: true });
    fs.mkdirSync(path.dirname(this.logFile(spec.name)), { recursive: true });
    const log = fs.openSync(this.logFile(spec.name), 'a');
    const [cmd, args] = spec.netns ? ['nsenter', [`--net=/run/netns/${spec.netns}`, '--', spec.command, ...spec.args]] : [spec.command, spec.args];
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...spec.env, TINYKUBE_STATE: this.stateDir, TINYKUBE_DAEMON: spec.name },
    });
    fs.closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
    fs.writeFileSync(this.pidFile(spec.name), `${child.pid}\n`);
    return child.pid;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(name: string, graceMs = 10_000): Promise<void> {
    const pid = this.running(name);
    if (pid) await terminate(pid, graceMs);
    fs.rmSync(this.pidFile(name), { force: true });
  }

  /** The error for a daemon that exited, with the last lines of its log. */
  exited(name: string): Error {
    const log = this.logFile(name);
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
    return new Error(`${name} exited; last lines of ${log}:\n${tail}`);
  }

  /** Names of every daemon with a pid file. */
  names(): string[] {
    try {
      return fs.readdirSync(path.join(this.stateDir, 'pids')).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4));
    } catch {
      return [];
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** The process carries our environment marker (survives exec through nsenter). */
function ownedBy(pid: number, stateDir: string, name: string): boolean {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.includes(`TINYKUBE_STATE=${stateDir}`) && env.includes(`TINYKUBE_DAEMON=${name}`);
  } catch {
    return false;
  }
}

export async function terminate(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
