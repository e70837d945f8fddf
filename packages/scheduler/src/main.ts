#!/usr/bin/env node
// tk-scheduler: binds pending pods to nodes. Runs as leader only; a second copy waits.
import * as os from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { GrpcClient, LeaderElector, serveHealthAndMetrics } from '@tinykube/client';
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
  let running = false;
  const lead = (): void => {
    log.info('became leader; scheduling');
    running = true;
    scheduler.start().catch((err: unknown) => {
      log.error({ err: String(err) }, 'scheduler failed');
      process.exit(1);
    });
  };
  // Losing the lease mid-flight: exit and let the supervisor restart us as a follower, as
  // Kubernetes' components do, rather than risk acting on a stale view.
  const elector = new LeaderElector(api, {
    namespace: 'kube-system',
    name: 'tk-scheduler',
    identity: `${os.hostname()}_${process.pid}`,
    leaseDurationSeconds: a['leader-elect-lease-duration'],
    retryPeriodMs: a['leader-elect-retry-period'] * 1000,
    onStartedLeading: lead,
    onStoppedLeading: () => {
      log.error('lost the leader lease; exiting');
      process.exit(1);
    },
    onError: (err) => log.debug({ err: String(err) }, 'leader election'),
  });
  if (a['leader-elect']) elector.start();
  else lead();
  await serveHealthAndMetrics(a['bind-address'], a.port, metrics, () => true);
  const shutdown = (): void => {
    void (async () => {
      if (running) await scheduler.stop();
      await elector.stop();
      api.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`tk-scheduler: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
