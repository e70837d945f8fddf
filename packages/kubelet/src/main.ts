#!/usr/bin/env node
// tk-kubelet: runs the pods bound to this node as Docker containers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CertificateManager, kubeletClientProfile, kubeletServingProfile, loadKubeconfig, readTlsIdentity, type TlsIdentity } from '@tinykube/client';
import { runDaemon } from '@tinykube/daemon';
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
      .option('cert-dir', { type: 'string', describe: 'where the certificates from TLS bootstrap are kept (default: <root-dir>/pki)' })
      .option('rotate-certificates', { type: 'boolean', default: true, describe: 'renew the client certificate before it expires' })
      .option('rotate-server-certificates', { type: 'boolean', default: false, describe: 'request the serving certificate of :10250 by a CertificateSigningRequest (kubernetes.io/kubelet-serving) and renew it, instead of --tls-cert-file' })
      .option('node-name', { type: 'string', demandOption: true })
      .option('node-ip', { type: 'string', demandOption: true, describe: 'this host\'s address (InternalIP)' })
      .option('docker-socket', { type: 'string', default: '/var/run/docker.sock' })
      .option('root-dir', { type: 'string', default: '/var/lib/tinykube/kubelet', describe: 'volumes and node-local claims' })
      .option('cluster-cidr', { type: 'string', default: '10.244.0.0/16' })
      .option('tls-cert-file', { type: 'string', describe: 'serving certificate (PEM) of :10250, signed by the cluster CA, naming --node-ip' })
      .option('tls-private-key-file', { type: 'string', describe: 'the key of --tls-cert-file' })
      .option('client-ca-file', { type: 'string', describe: 'CA of the callers\' client certificates (default: --ca-file)' })
      .option('port', { type: 'number', default: KUBELET_PORT })
      .option('pause-image', { type: 'string', default: 'pause:3.9' })
      .option('cluster-dns', { type: 'string', default: '', describe: 'comma-separated DNS server IPs for ClusterFirst pods (the kube-dns Service); none: they get the node\'s resolv.conf' })
      .option('cluster-domain', { type: 'string', default: 'cluster.local' })
      .option('resolv-conf', { type: 'string', default: '/etc/resolv.conf', describe: 'the node\'s resolv.conf, for dnsPolicy Default pods and the search domains of the others; "" for none' })
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
    const ca = fs.readFileSync(a['ca-file'], 'utf8');
    const certDir = a['cert-dir'] ?? path.join(a['root-dir'], 'pki');
    const boot = a['bootstrap-kubeconfig'] ? loadKubeconfig(a['bootstrap-kubeconfig']) : undefined;
    if (a['rotate-server-certificates'] && !boot) throw new Error('--rotate-server-certificates needs --bootstrap-kubeconfig (the apiserver\'s REST address)');
    if (!a['rotate-server-certificates'] && !(a['tls-cert-file'] && a['tls-private-key-file'])) throw new Error('give --tls-cert-file and --tls-private-key-file, or --rotate-server-certificates');
    let identity: TlsIdentity;
    let certificates: CertificateManager | undefined;
    if (a['cert-file'] && a['key-file']) identity = readTlsIdentity({ caFile: a['ca-file'], certFile: a['cert-file'], keyFile: a['key-file'] });
    else if (boot) {
      certificates = new CertificateManager({ profile: kubeletClientProfile(a['node-name']), certDir, server: boot.server, ca, ...(boot.token ? { bootstrapToken: boot.token } : {}), log });
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
      serving: {
        ...(a['tls-cert-file'] && a['tls-private-key-file'] && !a['rotate-server-certificates'] ? { cert: fs.readFileSync(a['tls-cert-file'], 'utf8'), key: fs.readFileSync(a['tls-private-key-file'], 'utf8') } : {}),
        clientCa: fs.readFileSync(a['client-ca-file'] ?? a['ca-file'], 'utf8'),
      },
      port: a.port,
      pauseImage: a['pause-image'],
      dns: {
        clusterDns: a['cluster-dns'].split(',').map((x) => x.trim()).filter(Boolean),
        clusterDomain: a['cluster-domain'],
        hostResolvConf: a['resolv-conf'] && fs.existsSync(a['resolv-conf']) ? fs.readFileSync(a['resolv-conf'], 'utf8') : '',
      },
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
      certificates.startRotation((id) => {
        identity = id;
        kubelet.useIdentity(id);
      });
      onStop(() => certificates?.stop());
    }
    if (boot && a['rotate-server-certificates']) {
      // Asked for once the Node is registered: the approver checks the names against the Node's
      // addresses. Until it is signed :10250 fails its handshakes, as Kubernetes' kubelet does.
      const serving = new CertificateManager({ profile: kubeletServingProfile(a['node-name'], a['node-ip']), certDir, server: boot.server, ca, requester: () => identity, log });
      let stopped = false;
      onStop(() => {
        stopped = true;
        serving.stop();
      });
      void (async () => {
        for (let delay = 1000; !stopped; delay = Math.min(delay * 2, 30_000)) {
          try {
            kubelet.useServingCertificate(await serving.identity());
            serving.startRotation((id) => kubelet.useServingCertificate(id));
            log.info({ certDir }, 'serving certificate in use');
            return;
          } catch (err) {
            log.warn({ err: String(err) }, 'no serving certificate yet; asking again');
            await new Promise((r) => setTimeout(r, delay));
          }
        }
      })();
    }
    onStop(() => kubelet.stop());
  },
});
