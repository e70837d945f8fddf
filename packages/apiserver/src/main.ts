#!/usr/bin/env node
// tk-apiserver: the only daemon that talks to etcd.
import * as fs from 'node:fs';
import { runDaemon } from '@tinykube/daemon';
import { startApiserver } from './app';

runDaemon({
  name: 'tk-apiserver',
  usage: 'serve the tinykube API (REST and gRPC) over etcd',
  flags: (y) =>
    y
      .option('etcd-servers', { type: 'string', default: 'http://127.0.0.1:2379', describe: 'comma-separated etcd client URLs' })
      .option('bind-address', { type: 'string', default: '127.0.0.1', describe: 'address for REST and gRPC' })
      .option('port', { type: 'number', default: 6443, describe: 'REST port (Kubernetes paths)' })
      .option('grpc-port', { type: 'number', default: 6444, describe: 'gRPC port for the daemons' })
      .option('service-cluster-ip-range', { type: 'string', default: '10.96.0.0/16', describe: 'Service ClusterIP CIDR' })
      .option('service-node-port-range', { type: 'string', default: '30000-32767', describe: 'NodePort range' })
      .option('compaction-interval', { type: 'number', default: 300, describe: 'seconds between etcd compactions (0: never)' })
      .option('watch-cache-size', { type: 'number', default: 2000, describe: 'events of history kept per resource for resuming watches' })
      .option('kubelet-token-file', { type: 'string', describe: 'file with the token presented to kubelets (pods/log)' })
      .option('default-not-ready-toleration-seconds', { type: 'number', default: 300, describe: 'tolerationSeconds of the not-ready toleration added to pods' })
      .option('default-unreachable-toleration-seconds', { type: 'number', default: 300, describe: 'tolerationSeconds of the unreachable toleration added to pods' }),
  async run({ args: a, log, metrics, health, onStop }) {
    const [lo, hi] = a['service-node-port-range'].split('-').map(Number);
    if (lo === undefined || hi === undefined || !Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi) throw new Error(`invalid --service-node-port-range ${a['service-node-port-range']}`);
    const server = await startApiserver({
      etcdServers: a['etcd-servers'].split(','),
      bindAddress: a['bind-address'],
      port: a.port,
      grpcPort: a['grpc-port'],
      serviceCidr: a['service-cluster-ip-range'],
      nodePortRange: [lo, hi],
      compactionIntervalMs: a['compaction-interval'] * 1000,
      watchCacheSize: a['watch-cache-size'],
      ...(a['kubelet-token-file'] ? { kubeletToken: fs.readFileSync(a['kubelet-token-file'], 'utf8').trim() } : {}),
      defaultNotReadyTolerationSeconds: a['default-not-ready-toleration-seconds'],
      defaultUnreachableTolerationSeconds: a['default-unreachable-toleration-seconds'],
      log,
      metricsRegistry: metrics,
      health,
    });
    onStop(() => server.stop());
  },
});
