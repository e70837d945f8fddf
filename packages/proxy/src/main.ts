#!/usr/bin/env node
// tk-proxy: programs this host's iptables so Service IPs reach their ready pods.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { daemonMain, GrpcClient, HealthChecks, serveHealthAndMetrics } from '@tinykube/client';
import { Proxier } from './proxier';

async function main(): Promise<void> {
  const a = await yargs(hideBin(process.argv))
    .scriptName('tk-proxy')
    .option('apiserver', { type: 'string', demandOption: true, describe: 'apiserver gRPC address' })
    .option('node-name', { type: 'string', demandOption: true })
    .option('node-ip', { type: 'string', demandOption: true, describe: 'address for /healthz and /metrics' })
    .option('metrics-port', { type: 'number', default: 10249 })
    .option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' })
    .option('min-sync-period', { type: 'number', default: 1, describe: 'seconds between syncs at most' })
    .option('sync-period', { type: 'number', default: 30, describe: 'seconds between full syncs' })
    .option('log-level', { type: 'string', default: 'info' })
    .strict()
    .help()
    .parse();
  const log = pino({ name: 'tk-proxy', level: a['log-level'] });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const api = new GrpcClient(a.apiserver);
  const proxier = new Proxier(api, { clusterCidr: a['cluster-cidr'], minSyncMs: a['min-sync-period'] * 1000, fullSyncMs: a['sync-period'] * 1000, log, metrics });
  await proxier.start();
  await serveHealthAndMetrics(a['node-ip'], a['metrics-port'], metrics, new HealthChecks().addLive('sync-proxy-rules', () => proxier.unhealthy()));
  log.info({ node: a['node-name'] }, 'proxy running');
  // Rules stay in place on exit: a restarted proxy takes over without interrupting Services.
  const shutdown = (): void => {
    proxier.stop();
    api.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

daemonMain('tk-proxy', main);
