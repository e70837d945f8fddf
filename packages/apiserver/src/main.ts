#!/usr/bin/env node
// tk-apiserver: the only daemon that talks to etcd.
import * as fs from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import pino from 'pino';
import { daemonMain } from '@tinykube/client';
import { startApiserver } from './app';

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('tk-apiserver')
    .usage('$0 [options]: serve the tinykube API (REST and gRPC) over etcd')
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
    .option('default-unreachable-toleration-seconds', { type: 'number', default: 300, describe: 'tolerationSeconds of the unreachable toleration added to pods' })
    .option('log-level', { type: 'string', default: 'info' })
    .strict()
    .help()
    .parse();
  const log = pino({ name: 'tk-apiserver', level: argv['log-level'] });
  const [lo, hi] = argv['service-node-port-range'].split('-').map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || (lo as number) > (hi as number)) throw new Error(`invalid --service-node-port-range ${argv['service-node-port-range']}`);
  const server = await startApiserver({
    etcdServers: argv['etcd-servers'].split(','),
    bindAddress: argv['bind-address'],
    port: argv.port,
    grpcPort: argv['grpc-port'],
    serviceCidr: argv['service-cluster-ip-range'],
    nodePortRange: [lo as number, hi as number],
    compactionIntervalMs: argv['compaction-interval'] * 1000,
    watchCacheSize: argv['watch-cache-size'],
    ...(argv['kubelet-token-file'] ? { kubeletToken: fs.readFileSync(argv['kubelet-token-file'], 'utf8').trim() } : {}),
    defaultNotReadyTolerationSeconds: argv['default-not-ready-toleration-seconds'],
    defaultUnreachableTolerationSeconds: argv['default-unreachable-toleration-seconds'],
    log,
  });
  const shutdown = (): void => {
    void server.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

daemonMain('tk-apiserver', main);
