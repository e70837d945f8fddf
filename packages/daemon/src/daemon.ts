// How every tinykube daemon starts and stops: its own flags plus the shared ones, a pino logger,
// a Prometheus registry with the process metrics, /livez /readyz /healthz /metrics on a port of
// its choosing, and an orderly stop on SIGTERM or SIGINT (a second signal exits at once).
import type * as http from 'node:http';
import yargs, { type Arguments, type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import pino, { type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HealthChecks } from './health';
import { serveHealthAndMetrics } from './health-server';

/** Flags every daemon has. */
export interface SharedFlags {
  'log-level': string;
}

export interface Daemon<A> {
  args: Arguments<A>;
  log: Logger;
  /** Process metrics are registered; the daemon adds its own. */
  metrics: Registry;
  health: HealthChecks;
  /** Runs on SIGTERM or SIGINT, the last registered first; the process then exits 0. */
  onStop(stop: () => unknown): void;
  /** Serves `health` and `metrics` on address:port. */
  serve(address: string, port: number): Promise<http.Server>;
}

export interface DaemonSpec<A> {
  /** Program name, e.g. `tk-scheduler`: the logger's name and error prefix. */
  name: string;
  usage: string;
  flags(y: Argv<SharedFlags>): Argv<A>;
  run(d: Daemon<A>): Promise<void>;
}

/** Runs a daemon's main; a failure to start is printed as `<name>: <message>` with exit 1. */
export function runDaemon<A>(spec: DaemonSpec<A>, argv = hideBin(process.argv)): void {
  start(spec, argv).catch((err: unknown) => {
    process.stderr.write(`${spec.name}: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
}

async function start<A>(spec: DaemonSpec<A>, argv: string[]): Promise<void> {
  const shared = yargs(argv)
    .scriptName(spec.name)
    .usage(`$0 [options]: ${spec.usage}`)
    .option('log-level', { type: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] });
  const args = (await spec.flags(shared).strict().help().parse()) as Arguments<A>;
  const log = pino({ name: spec.name, level: (args as Arguments<A & SharedFlags>)['log-level'] });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const health = new HealthChecks();
  const stops: (() => unknown)[] = [];
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    void (async () => {
      for (const s of stops.reverse()) {
        try {
          await s();
        } catch (err) {
          log.warn({ err: String(err) }, 'while stopping');
        }
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await spec.run({
    args,
    log,
    metrics,
    health,
    onStop: (s) => void stops.push(s),
    serve: (address, port) => serveHealthAndMetrics(address, port, metrics, health),
  });
}
