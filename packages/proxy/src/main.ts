#!/usr/bin/env node
// tk-proxy: programs this host's iptables so Service IPs reach their ready pods.
import * as fs from 'node:fs';
import { CertificateManager, GrpcClient, kubeProxyProfile, loadKubeconfig, readTlsIdentity, SwappableApiClient } from '@tinykube/client';
import { runDaemon } from '@tinykube/daemon';
import { Proxier } from './proxier';

runDaemon({
  name: 'tk-proxy',
  usage: 'program this host\'s iptables so Service IPs reach their ready pods',
  flags: (y) =>
    y
      .option('apiserver', { type: 'string', demandOption: true, describe: 'apiserver gRPC address host:port' })
      .option('ca-file', { type: 'string', demandOption: true, describe: 'the cluster CA certificate (PEM) the apiserver\'s certificate must be signed by' })
      .option('cert-file', { type: 'string', describe: 'a client certificate (CN system:kube-proxy) to use as is' })
      .option('key-file', { type: 'string', describe: 'the key of --cert-file' })
      .option('bootstrap-kubeconfig', { type: 'string', describe: 'kubeconfig with the apiserver\'s REST address and a bootstrap token: get and renew a system:kube-proxy certificate by CertificateSigningRequest instead of --cert-file' })
      .option('cert-dir', { type: 'string', default: '/var/lib/tinykube/proxy/pki', describe: 'where the certificate from --bootstrap-kubeconfig is kept' })
      .option('node-name', { type: 'string', demandOption: true })
      .option('node-ip', { type: 'string', demandOption: true, describe: 'address for /healthz and /metrics' })
      .option('metrics-port', { type: 'number', default: 10249 })
      .option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' })
      .option('min-sync-period', { type: 'number', default: 1, describe: 'seconds between syncs at most' })
      .option('sync-period', { type: 'number', default: 30, describe: 'seconds between full syncs' }),
  async run({ args: a, log, metrics, health, onStop, serve }) {
    let api: SwappableApiClient;
    if (a['cert-file'] && a['key-file']) api = new SwappableApiClient(new GrpcClient(a.apiserver, readTlsIdentity({ caFile: a['ca-file'], certFile: a['cert-file'], keyFile: a['key-file'] })));
    else if (a['bootstrap-kubeconfig']) {
      const boot = loadKubeconfig(a['bootstrap-kubeconfig']);
      const certificates = new CertificateManager({ profile: kubeProxyProfile(a['node-name']), certDir: a['cert-dir'], server: boot.server, ca: fs.readFileSync(a['ca-file'], 'utf8'), ...(boot.token ? { bootstrapToken: boot.token } : {}), log });
      const client = new SwappableApiClient(new GrpcClient(a.apiserver, await certificates.identity()));
      certificates.startRotation((id) => client.swap(new GrpcClient(a.apiserver, id)));
      onStop(() => certificates.stop());
      api = client;
    } else throw new Error('give --cert-file and --key-file, or --bootstrap-kubeconfig');
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
