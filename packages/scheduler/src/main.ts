#!/usr/bin/env node
// tk-scheduler: binds pending pods to nodes. Runs as leader only; a second copy waits.
import { apiClientFlags, GrpcClient, identityFromFlags, leaderElectionFlags, leaderSyncCheck, runLeaderElected } from '@tinykube/client';
import { runDaemon } from '@tinykube/daemon';
import { Scheduler } from './scheduler';

runDaemon({
  name: 'tk-scheduler',
  usage: 'bind pending pods to nodes',
  flags: (y) =>
    leaderElectionFlags(apiClientFlags(y, '127.0.0.1:6444'))
      .option('bind-address', { type: 'string', default: '127.0.0.1', describe: 'address for /healthz and /metrics' })
      .option('port', { type: 'number', default: 10259 })
      .option('retry-unschedulable', { type: 'number', default: 30, describe: 'seconds between retries of unschedulable pods' }),
  async run({ args: a, log, metrics, health, onStop, serve }) {
    const api = new GrpcClient(a.apiserver, identityFromFlags(a));
    onStop(() => api.close());
    const scheduler = new Scheduler(api, { log, metrics, retryUnschedulableMs: a['retry-unschedulable'] * 1000 });
    const leader = runLeaderElected({
      api,
      name: 'tk-scheduler',
      leaderElect: a['leader-elect'],
      leaseDurationSeconds: a['leader-elect-lease-duration'],
      retryPeriodSeconds: a['leader-elect-retry-period'],
      log,
      start: async () => {
        await scheduler.start();
        return scheduler;
      },
    });
    onStop(() => leader.stop());
    health.addReady('informer-sync', leaderSyncCheck(leader));
    await serve(a['bind-address'], a.port);
  },
});
