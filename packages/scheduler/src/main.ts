#!/usr/bin/env node
// tk-scheduler: binds pending pods to nodes. Runs as leader only; a second copy waits.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { daemonMain, GrpcClient, HealthChecks, leaderSyncCheck, runLeaderElected, serveHealthAndMetrics } from '@tinykube/client';
import { Scheduler } from './scheduler';

async function main(): Promise<void> {
  const a = await yargs(hideBin(process.argv))
    .scriptName('tk-scheduler')
    .option('apiserver', { type: 'string', default: '127.0.0.1:6444', describe: 'apiserver gRPC address' })
    .option('bind-address', { type: 'string', default: '127.0.0.1', describe: 'address for /healthz and /metrics' })
    .option('port', { type: 'number', default: 10259 })
    .option('leader-elect', { type: 'boolean', default: true })
    .option('leader-elect-lease-duration', { type: 'number', default: 15, describe: 'seconds' })
    .option('leader-elect-retry-period', { type: 'number', default: 2, describe: 'seconds' })
    .option('retry-unschedulable', { type: 'number', default: 30, describe: 'seconds between retries of unschedulable pods' })
    .option('log-level', { type: 'string', default: 'info' })
    .strict()
    .help()
    .parse();
  const log = pino({ name: 'tk-scheduler', level: a['log-level'] });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const api = new GrpcClient(a.apiserver);
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
  await serveHealthAndMetrics(a['bind-address'], a.port, metrics, new HealthChecks().addReady('informer-sync', leaderSyncCheck(leader)));
}

daemonMain('tk-scheduler', main);
