#!/usr/bin/env node
// tk-kubelet: runs the pods bound to this node as Docker containers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadKubeconfig, readTlsIdentity } from '@tinykube/client';
import { runDaemon } from '@tinykube/daemon';
import { CertificateManager } from './certificate-manager';
import { KUBELET_PORT, startKubelet } from './kubelet';

runDaemon({
  name: 'tk-kubelet',
  usage: 'make this host\'s Docker run the pods bound to it',
  flags: (y) =>
    y
      .option('apiserver', { type: 'string', demandOption: true, describe: 'apiserver gRPC address host:port' })
      .option('ca-file', { type: 'string', demandOption: true, describe: 'the cluster CA certificate (PEM) the apiserver\'s certificate must be signed by' })
      .option('cert-file', { type: 'string', describe: 'a client certificate (system:node:<name>) to use as is, without bootstrap or rotation' })
      .option('key-file', { type: 'string', describe: 'the key of --cert-file' })
      .option('bootstrap-kubeconfig', { type: 'string', describe: 'kubeconfig with the apiserver\'s REST address and a bootstrap token, for TLS bootstrap and certificate rotation' })
      .option('cert-dir', { type: 'string', describe: 'where the client certificate from TLS bootstrap is kept (default: <root-dir>/pki)' })
      .option('rotate-certificates', { type: 'boolean', default: true, describe: 'renew the client certificate before it expires' })
      .option('node-name', { type: 'string', demandOption: true })
      .option('node-ip', { type: 'string', demandOption: true, describe: 'this host\'s address (InternalIP)' })
      .option('docker-socket', { type: 'string', default: '/var/run/docker.sock' })
      .option('root-dir', { type: 'string', default: '/var/lib/tinykube/kubelet', describe: 'volumes and node-local claims' })
      .option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' })
      .option('tls-cert-file', { type: 'string', demandOption: true, describe: 'serving certificate (PEM) of :10250, signed by the cluster CA, naming --node-ip' })
      .option('tls-private-key-file', { type: 'string', demandOption: true, describe: 'the key of --tls-cert-file' })
      .option('client-ca-file', { type: 'string', describe: 'CA of the callers\' client certificates (default: --ca-file)' })
      .option('port', { type: 'number', default: KUBELET_PORT })
      .option('pause-image', { type: 'string', default: 'pause:3.9' })
      .option('max-pods', { type: 'number', default: 110 })
      .option('lease-duration', { type: 'number', default: 40, describe: 'seconds a node lease is valid' })
      .option('lease-renew-interval', { type: 'number', default: 10, describe: 'seconds between lease renewals' })
      .option('node-status-update-frequency', { type: 'number', default: 10, describe: 'seconds between node status updates' })
      .option('housekeeping-interval', { type: 'number', default: 10, describe: 'seconds between full passes over pods and containers' })
      .option('backoff-initial', { type: 'number', default: 10, describe: 'first crash-loop back-off, seconds' })
      .option('backoff-max', { type: 'number', default: 300, describe: 'longest crash-loop back-off, seconds' })
      .option('backoff-reset', { type: 'number', default: 600, describe: 'seconds of running that clear a back-off' })
      .option('workers', { type: 'number', default: 16, describe: 'pods synced at once' }),
  async run({ args: a, log, metrics, onStop }) {
    let identity;
    let certificates: CertificateManager | undefined;
    if (a['cert-file'] && a['key-file']) identity = readTlsIdentity({ caFile: a['ca-file'], certFile: a['cert-file'], keyFile: a['key-file'] });
    else if (a['bootstrap-kubeconfig']) {
      const boot = loadKubeconfig(a['bootstrap-kubeconfig']);
      certificates = new CertificateManager({ nodeName: a['node-name'], certDir: a['cert-dir'] ?? path.join(a['root-dir'], 'pki'), server: boot.server, ca: fs.readFileSync(a['ca-file'], 'utf8'), ...(boot.token ? { bootstrapToken: boot.token } : {}), log });
      identity = await certificates.identity();
    } else throw new Error('give --cert-file and --key-file, or --bootstrap-kubeconfig');
    const kubelet = await startKubelet({
      apiserver: a.apiserver,
      nodeName: a['node-name'],
      nodeIP: a['node-ip'],
      dockerSocket: a['docker-socket'],
      rootDir: a['root-dir'],
      clusterCidr: a['cluster-cidr'],
      identity,
      serving: { cert: fs.readFileSync(a['tls-cert-file'], 'utf8'), key: fs.readFileSync(a['tls-private-key-file'], 'utf8'), clientCa: fs.readFileSync(a['client-ca-file'] ?? a['ca-file'], 'utf8') },
      port: a.port,
      pauseImage: a['pause-image'],
      maxPods: a['max-pods'],
      leaseDurationSeconds: a['lease-duration'],
      leaseRenewSeconds: a['lease-renew-interval'],
      statusUpdateSeconds: a['node-status-update-frequency'],
      housekeepingSeconds: a['housekeeping-interval'],
      backoffInitialMs: a['backoff-initial'] * 1000,
      backoffMaxMs: a['backoff-max'] * 1000,
      backoffResetMs: a['backoff-reset'] * 1000,
      workers: a.workers,
      log,
      metrics,
    });
    if (certificates && a['rotate-certificates']) {
      certificates.startRotation((id) => kubelet.useIdentity(id));
      onStop(() => certificates?.stop());
    }
    onStop(() => kubelet.stop());
  },
});
