#!/usr/bin/env node
// The local cluster's supervisor, one per daemon, doing what systemd's Restart=always does on
// real hosts: it runs the daemon as its child, restarts it whenever it exits (with back-off,
// reset after a stable run), writes a line to the daemon's log on every exit, and on SIGTERM
// stops the daemon (SIGTERM, then SIGKILL after the grace period) and exits.
//
// Usage: supervise.js <state.json> <grace-ms> -- <command> [args...]
// The state file carries the child's pid, the restart count and the last exit, for Daemons.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export interface SupervisedState {
  pid: number;
  restarts: number;
  startedAt: number;
  lastExit?: string;
}

const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8000;
/** A run this long resets the back-off. */
const STABLE_MS = 10_000;

function main(): void {
  const [stateFile, graceArg, sep, command, ...args] = process.argv.slice(2);
  if (!stateFile || !graceArg || sep !== '--' || !command) {
    process.stderr.write('usage: supervise.js <state.json> <grace-ms> -- <command> [args...]\n');
    process.exit(2);
  }
  const graceMs = Number(graceArg);
  const name = process.env.TINYKUBE_DAEMON ?? command;
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let backoff = INITIAL_BACKOFF_MS;
  let lastExit: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  // The daemon carries the cluster's marker, not the supervisor's.
  const childEnv = { ...process.env };
  delete childEnv.TINYKUBE_SUPERVISOR;
  delete childEnv.TINYKUBE_SUPERVISES;

  const say = (line: string): void => {
    // stdout is the daemon's log file (opened by Daemons); one line, as journald would show.
    process.stdout.write(`${new Date().toISOString()} tk-supervise: ${line}\n`);
  };
  const writeState = (s: SupervisedState): void => {
    const tmp = `${stateFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s));
    fs.renameSync(tmp, stateFile);
  };

  const start = (): void => {
    timer = undefined;
    if (stopping) return;
    const startedAt = Date.now();
    const c = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: childEnv });
    child = c;
    c.on('error', (err) => say(`${name} could not start: ${err.message}`));
    if (c.pid !== undefined) writeState({ pid: c.pid, restarts, startedAt, ...(lastExit ? { lastExit } : {}) });
    c.on('exit', (code, signal) => {
      child = undefined;
      const ranMs = Date.now() - startedAt;
      lastExit = signal ? `signal ${signal}` : `code ${code}`;
      if (stopping) {
        say(`${name} stopped (${lastExit})`);
        process.exit(0);
      }
      if (ranMs >= STABLE_MS) backoff = INITIAL_BACKOFF_MS;
      restarts++;
      say(`${name} exited (${lastExit}) after ${(ranMs / 1000).toFixed(1)} s; restarting in ${backoff} ms (restart ${restarts})`);
      timer = setTimeout(start, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    });
  };

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (timer) clearTimeout(timer);
    const c = child;
    if (!c) process.exit(0);
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), graceMs).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => undefined);
  start();
}

if (require.main === module) main();
