#!/usr/bin/env node
// tk-proxy: programs this host's iptables so Service IPs reach their ready pods.
import { apiClientFlags, GrpcClient, identityFromFlags } from '@tinykube/client';
import { runDaemon } from '@tinykube/daemon';
import { Proxier } from './proxier';

runDaemon({
  name: 'tk-proxy',
  usage: 'program this host\'s iptables so Service IPs reach their ready pods',
  flags: (y) =>
    apiClientFlags(y)
      .option('node-name', { type: 'string', demandOption: true })
      .option('node-ip', { type: 'string', demandOption: true, describe: 'address for /healthz and /metrics' })
      .option('metrics-port', { type: 'number', default: 10249 })
      .option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' })
      .option('min-sync-period', { type: 'number', default: 1, describe: 'seconds between syncs at most' })
      .option('sync-period', { type: 'number', default: 30, describe: 'seconds between full syncs' }),
  async run({ args: a, log, metrics, health, onStop, serve }) {
    const api = new GrpcClient(a.apiserver, identityFromFlags(a));
    onStop(() => api.close());
    const proxier = new Proxier(api, { clusterCidr: a['cluster-cidr'], minSyncMs: a['min-sync-period'] * 1000, fullSyncMs: a['sync-period'] * 1000, log, metrics });
    await proxier.start();
    // Rules stay in place on exit: a restarted proxy takes over without interrupting Services.
    onStop(() => proxier.stop());
    health.addLive('sync-proxy-rules', () => proxier.unhealthy());
    await serve(a['node-ip'], a['metrics-port']);
    log.info({ node: a['node-name'] }, 'proxy running');
  },
});
