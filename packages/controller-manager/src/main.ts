#!/usr/bin/env node
// tk-controller-manager: the cluster's control loops. Runs as leader only; a second copy waits.
import * as fs from 'node:fs';
import { apiClientFlags, GrpcClient, identityFromFlags, leaderElectionFlags, leaderSyncCheck, runLeaderElected } from '@tinykube/client';
import { runDaemon } from '@tinykube/daemon';
import { CONTROLLERS, startControllers } from './controller-manager';
import { DEFAULT_DISRUPTION } from './controllers/zone-disruption';

/** A Go-style duration (`8760h`, `1h30m`, `90s`) in milliseconds. */
function parseDuration(text: string): number {
  const units: Record<string, number> = { h: 3600_000, m: 60_000, s: 1000, ms: 1 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid duration ${text}: expected e.g. 8760h, 1h30m or 90s`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * (units[p[2]!] ?? 0), 0);
}

runDaemon({
  name: 'tk-controller-manager',
  usage: 'run the cluster\'s control loops',
  flags: (y) =>
    leaderElectionFlags(apiClientFlags(y, '127.0.0.1:6444'))
      .option('bind-address', { type: 'string', default: '127.0.0.1', describe: 'address for /healthz and /metrics' })
      .option('port', { type: 'number', default: 10257 })
      .option('controllers', { type: 'string', default: Object.keys(CONTROLLERS).join(','), describe: 'controllers to run' })
      .option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' })
      .option('node-cidr-mask-size', { type: 'number', default: 24 })
      .option('node-monitor-grace-period', { type: 'number', default: 40, describe: 'seconds without a lease renewal before a node is unreachable' })
      .option('node-monitor-period', { type: 'number', default: 5, describe: 'seconds between checks of every node\'s lease' })
      .option('unhealthy-zone-threshold', { type: 'number', default: DEFAULT_DISRUPTION.unhealthyZoneThreshold, describe: 'fraction of not-Ready nodes (at least 3) that makes a zone partially disrupted' })
      .option('node-eviction-rate', { type: 'number', default: DEFAULT_DISRUPTION.evictionRate, describe: 'nodes per second whose pods may be evicted in a healthy zone' })
      .option('secondary-node-eviction-rate', { type: 'number', default: DEFAULT_DISRUPTION.secondaryEvictionRate, describe: 'the same in a partially disrupted zone larger than --large-cluster-size-threshold' })
      .option('large-cluster-size-threshold', { type: 'number', default: DEFAULT_DISRUPTION.largeClusterSizeThreshold, describe: 'nodes; in smaller partially disrupted zones nothing is evicted' })
      .option('terminated-pod-gc-threshold', { type: 'number', default: 12500, describe: 'terminated pods kept before the oldest are deleted (0: never)' })
      .option('root-ca-file', { type: 'string', describe: 'the cluster CA (PEM), published in every namespace as the kube-root-ca.crt ConfigMap (default: --ca-file)' })
      .option('cluster-signing-cert-file', { type: 'string', describe: 'CA certificate (PEM) that signs approved CertificateSigningRequests' })
      .option('cluster-signing-key-file', { type: 'string', describe: 'the key of --cluster-signing-cert-file' })
      .option('cluster-signing-duration', { type: 'string', default: '8760h', describe: 'longest lifetime of a signed certificate, a duration such as 8760h or 90s' })
      .option('concurrent-syncs', { type: 'number', default: 5, describe: 'workers per controller' }),
  async run({ args: a, log, metrics, health, onStop, serve }) {
    const api = new GrpcClient(a.apiserver, identityFromFlags(a));
    onStop(() => api.close());
    const leader = runLeaderElected({
      api,
      name: 'tk-controller-manager',
      leaderElect: a['leader-elect'],
      leaseDurationSeconds: a['leader-elect-lease-duration'],
      retryPeriodSeconds: a['leader-elect-retry-period'],
      log,
      start: () =>
        startControllers(
          api,
          {
            clusterCidr: a['cluster-cidr'],
            nodeCidrMaskSize: a['node-cidr-mask-size'],
            nodeMonitorGracePeriodMs: a['node-monitor-grace-period'] * 1000,
            nodeMonitorPeriodMs: a['node-monitor-period'] * 1000,
            disruption: {
              unhealthyZoneThreshold: a['unhealthy-zone-threshold'],
              evictionRate: a['node-eviction-rate'],
              secondaryEvictionRate: a['secondary-node-eviction-rate'],
              largeClusterSizeThreshold: a['large-cluster-size-threshold'],
            },
            // Kubernetes' PodGC: a pass every 20 s; a node missing for 40 s is gone.
            podGc: { terminatedThreshold: a['terminated-pod-gc-threshold'], periodMs: 20_000, quarantineMs: 40_000 },
            workers: a['concurrent-syncs'],
            rootCa: fs.readFileSync(a['root-ca-file'] ?? a['ca-file'], 'utf8'),
            ...(a['cluster-signing-cert-file'] && a['cluster-signing-key-file'] ? { clusterSigning: { cert: fs.readFileSync(a['cluster-signing-cert-file'], 'utf8'), key: fs.readFileSync(a['cluster-signing-key-file'], 'utf8'), durationMs: parseDuration(a['cluster-signing-duration']) } } : {}),
          },
          log,
          metrics,
          a.controllers.split(',').filter(Boolean),
        ),
    });
    onStop(() => leader.stop());
    health.addReady('informer-sync', leaderSyncCheck(leader));
    await serve(a['bind-address'], a.port);
  },
});
