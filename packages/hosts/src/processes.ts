import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SupervisedState } from './supervise';

// The local cluster's daemons: each runs under a supervisor of its own (supervise.ts, the
// local stand-in for systemd's Restart=always) that restarts it when it dies. Logs go to
// logs/<name>.log; pids/<name>.supervisor.pid holds the supervisor's pid and
// pids/<name>.json the daemon's current pid and restart count. A pid counts only while that
// process still carries the cluster's marker, so a recycled pid is never signalled.

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  /** Start inside this network namespace (through nsenter, which keeps /sys and cgroups intact). */
  netns?: string;
  env?: Record<string, string>;
  /** How long a stop waits after SIGTERM before SIGKILL. */
  graceMs?: number;
}

const SUPERVISOR = path.join(__dirname, 'supervise.js');
const SUPERVISOR_SUFFIX = '.supervisor';

export class Daemons {
  constructor(private readonly stateDir: string) {}

  private pidFile(name: string): string {
    return path.join(this.stateDir, 'pids', `${name}.pid`);
  }

  private stateFile(name: string): string {
    return path.join(this.stateDir, 'pids', `${name}.json`);
  }

  logFile(name: string): string {
    return path.join(this.stateDir, 'logs', `${name}.log`);
  }

  private state(name: string): SupervisedState | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.stateFile(name), 'utf8')) as SupervisedState;
    } catch {
      return undefined;
    }
  }

  /** The pid of the running supervisor of that daemon, or undefined. */
  supervisor(name: string): number | undefined {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile(name + SUPERVISOR_SUFFIX), 'utf8').trim());
    } catch {
      return undefined;
    }
    return live(pid, this.stateDir, name + SUPERVISOR_SUFFIX);
  }

  /** The pid of the running daemon of that name, or undefined. */
  running(name: string): number | undefined {
    const s = this.state(name);
    return s ? live(s.pid, this.stateDir, name) : undefined;
  }

  /** How many times the supervisor has restarted the daemon since it was started. */
  restarts(name: string): number {
    return this.state(name)?.restarts ?? 0;
  }

  /** No supervisor, or the daemon was restarted three times since it was started: it will not come up by waiting. */
  crashing(name: string): boolean {
    return !this.supervisor(name) || this.restarts(name) >= 3;
  }

  /**
   * Starts the daemon under a supervisor unless one runs. A daemon whose supervisor died is
   * stopped and started again under a new one.
   */
  start(spec: DaemonSpec): void {
    if (this.supervisor(spec.name)) return;
    const orphan = this.running(spec.name);
    if (orphan) process.kill(orphan, 'SIGKILL');
    fs.mkdirSync(path.dirname(this.pidFile(spec.name)), { recursive: true });
    fs.mkdirSync(path.dirname(this.logFile(spec.name)), { recursive: true });
    fs.rmSync(this.stateFile(spec.name), { force: true });
    const log = fs.openSync(this.logFile(spec.name), 'a');
    const [cmd, args] = spec.netns ? ['nsenter', [`--net=/run/netns/${spec.netns}`, '--', spec.command, ...spec.args]] : [spec.command, spec.args];
    const env = { ...process.env, ...spec.env, TINYKUBE_STATE: this.stateDir, TINYKUBE_DAEMON: spec.name };
    // The supervisor carries its own marker; its child (the daemon) is given the daemon's.
    const child = spawn(process.execPath, [SUPERVISOR, this.stateFile(spec.name), String(spec.graceMs ?? 10_000), '--', cmd, ...args], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...env, TINYKUBE_SUPERVISOR: this.stateDir, TINYKUBE_SUPERVISES: spec.name + SUPERVISOR_SUFFIX },
    });
    fs.closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
    fs.writeFileSync(this.pidFile(spec.name + SUPERVISOR_SUFFIX), `${child.pid}\n`);
  }

  /** Stops the supervisor first (it stops the daemon: SIGTERM, SIGKILL after the grace), then makes sure the daemon is gone. */
  async stop(name: string, graceMs = 10_000): Promise<void> {
    const sup = this.supervisor(name);
    if (sup) await terminate(sup, graceMs + 2000);
    const pid = this.running(name);
    if (pid) await terminate(pid, graceMs);
    fs.rmSync(this.pidFile(name + SUPERVISOR_SUFFIX), { force: true });
    fs.rmSync(this.stateFile(name), { force: true });
  }

  /** SIGKILL of the supervisor and the daemon at once: a host that loses power. */
  killHard(name: string): void {
    for (const pid of [this.supervisor(name), this.running(name)]) if (pid) process.kill(pid, 'SIGKILL');
  }

  /** The error for a daemon that exited, with the last lines of its log. */
  exited(name: string): Error {
    const log = this.logFile(name);
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
    return new Error(`${name} exited; last lines of ${log}:\n${tail}`);
  }

  /** Names of every daemon with a supervisor pid file. */
  names(): string[] {
    try {
      const suffix = `${SUPERVISOR_SUFFIX}.pid`;
      return fs.readdirSync(path.join(this.stateDir, 'pids')).filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length));
    } catch {
      return [];
    }
  }
}

function live(pid: number, stateDir: string, name: string): number | undefined {
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && ownedBy(pid, stateDir, name) ? pid : undefined;
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
    if (name.endsWith(SUPERVISOR_SUFFIX)) return env.includes(`TINYKUBE_SUPERVISOR=${stateDir}`) && env.includes(`TINYKUBE_SUPERVISES=${name}`);
    return env.includes(`TINYKUBE_STATE=${stateDir}`) && env.includes(`TINYKUBE_DAEMON=${name}`) && !env.some((e) => e.startsWith('TINYKUBE_SUPERVISES='));
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
