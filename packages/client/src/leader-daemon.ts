// The life of a leader-elected daemon (tk-scheduler, tk-controller-manager): work starts when
// this process wins the Lease; losing it exits, rather than acting on a stale view, and the
// supervisor (systemd, or `npm run up` again) starts a fresh follower; SIGTERM stops the work
// and releases the lease so a standby takes over at once.
import * as os from 'node:os';
import type { Argv } from 'yargs';
import type { ApiClient } from './api-client';
import { LeaderElector } from './leader-election';

export interface Running {
  stop(): Promise<void>;
}

export interface LeaderDaemonOptions {
  api: ApiClient;
  /** Lease name in kube-system, e.g. `tk-scheduler`. */
  name: string;
  leaderElect: boolean;
  leaseDurationSeconds: number;
  retryPeriodSeconds: number;
  log: { info(msg: string): void; error(obj: object, msg?: string): void; debug(obj: object, msg?: string): void };
  start(): Promise<Running>;
}

/** Where a leader-elected daemon is: waiting for the lease, starting its work (informers syncing), or running. */
export interface LeaderState {
  state(): 'following' | 'starting' | 'running';
  /** Stops the work, then releases the lease. */
  stop(): Promise<void>;
}

export interface LeaderElectionFlags {
  'leader-elect': boolean;
  'leader-elect-lease-duration': number;
  'leader-elect-retry-period': number;
}

/** Kubernetes' leader-election flags, shared by tk-scheduler and tk-controller-manager. */
export function leaderElectionFlags<T>(y: Argv<T>): Argv<T & LeaderElectionFlags> {
  return y
    .option('leader-elect', { type: 'boolean', default: true, describe: 'run only while holding the Lease' })
    .option('leader-elect-lease-duration', { type: 'number', default: 15, describe: 'seconds' })
    .option('leader-elect-retry-period', { type: 'number', default: 2, describe: 'seconds' });
}

export function runLeaderElected(o: LeaderDaemonOptions): LeaderState {
  let running: Running | undefined;
  let starting = false;
  const lead = (): void => {
    o.log.info(`became leader; ${o.name} starting`);
    starting = true;
    o.start().then(
      (r) => {
        running = r;
        starting = false;
      },
      (err: unknown) => {
        o.log.error({ err: String(err) }, 'failed to start');
        process.exit(1);
      },
    );
  };
  const elector = new LeaderElector(o.api, {
    namespace: 'kube-system',
    name: o.name,
    identity: `${os.hostname()}_${process.pid}`,
    leaseDurationSeconds: o.leaseDurationSeconds,
    retryPeriodMs: o.retryPeriodSeconds * 1000,
    onStartedLeading: lead,
    onStoppedLeading: () => {
      o.log.error({}, 'lost the leader lease; exiting');
      process.exit(1);
    },
    onError: (err) => o.log.debug({ err: String(err) }, 'leader election'),
  });
  if (o.leaderElect) elector.start();
  else lead();
  return {
    state: () => (running ? 'running' : starting ? 'starting' : 'following'),
    async stop() {
      await running?.stop();
      await elector.stop();
    },
  };
}

/** Readiness of a leader-elected daemon: a follower is ready (it waits), a leader once its informers synced. */
export function leaderSyncCheck(s: LeaderState): () => string | undefined {
  return () => (s.state() === 'starting' ? 'leader, informers not synced yet' : undefined);
}
