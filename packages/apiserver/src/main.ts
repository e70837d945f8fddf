#!/usr/bin/env node
// tk-apiserver: the only daemon that talks to etcd.
import * as fs from 'node:fs';
import { AUTHORIZATION_MODES, type AuthorizationMode } from './authz/authorizer';
import { runDaemon } from '@tinykube/daemon';
import { startApiserver } from './app';
import { loadAdmissionConfig } from './admission';
import { loadEncryptionConfig } from './storage/encryption';
import { DEFAULT_ISSUER } from './authn/service-account-tokens';

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
}

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
      .option('tls-cert-file', { type: 'string', demandOption: true, describe: 'serving certificate (PEM) for REST and gRPC; its SANs must name every address clients use, and `kubernetes` (the name the daemons check over gRPC)' })
      .option('tls-private-key-file', { type: 'string', demandOption: true, describe: 'the key of --tls-cert-file' })
      .option('client-ca-file', { type: 'string', demandOption: true, describe: 'CA whose client certificates authenticate users (CN = user, O = groups); the daemons\' gRPC requires one' })
      .option('service-account-issuer', { type: 'string', default: DEFAULT_ISSUER, describe: 'the `iss` of ServiceAccount tokens' })
      .option('service-account-signing-key-file', { type: 'string', demandOption: true, describe: 'PKCS#8 PEM EC P-256 key that signs ServiceAccount tokens' })
      .option('service-account-key-file', { type: 'string', array: true, demandOption: true, describe: 'PEM keys whose ServiceAccount token signatures are accepted (repeatable)' })
      .option('api-audiences', { type: 'string', describe: 'comma-separated audiences the API accepts in tokens (default: the issuer)' })
      .option('service-account-max-token-expiration', { type: 'number', default: 172800, describe: 'longest token lifetime a TokenRequest gets, seconds' })
      .option('advertise-address', { type: 'string', describe: 'the address the kubernetes Service\'s Endpoints name (default: --bind-address)' })
      .option('authorization-mode', { type: 'string', default: 'Node,RBAC', describe: 'authorizers, in order: Node, RBAC, AlwaysAllow (comma-separated)' })
      .option('audit-log-path', { type: 'string', describe: 'append audit.k8s.io/v1 Events here, one JSON line per request (needs --audit-policy-file)' })
      .option('audit-policy-file', { type: 'string', describe: 'an audit.k8s.io/v1 Policy: which requests are logged at which level' })
      .option('encryption-provider-config', { type: 'string', describe: 'an EncryptionConfiguration: which resources are encrypted in etcd, with which keys' })
      .option('admission-control-config-file', { type: 'string', describe: "an AdmissionConfiguration: the PodSecurity plugin's defaults and exemptions" })
      .option('anonymous-auth', { type: 'boolean', default: true, describe: 'let unauthenticated requests read /healthz, /livez, /readyz and /version' })
      .option('kubelet-client-certificate', { type: 'string', describe: 'client certificate presented to kubelets (logs, exec)' })
      .option('kubelet-client-key', { type: 'string', describe: 'the key of --kubelet-client-certificate' })
      .option('kubelet-certificate-authority', { type: 'string', describe: 'CA of the kubelets\' serving certificates (default: --client-ca-file)' })
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
      tls: { cert: read(a['tls-cert-file']), key: read(a['tls-private-key-file']), clientCa: read(a['client-ca-file']) },
      anonymousAuth: a['anonymous-auth'],
      authorizationModes: authorizationModes(a['authorization-mode']),
      ...auditOptions(a['audit-log-path'], a['audit-policy-file']),
      ...(a['encryption-provider-config'] ? { encryption: loadEncryptionConfig(a['encryption-provider-config']) } : {}),
      ...(a['admission-control-config-file'] ? { podSecurity: loadAdmissionConfig(a['admission-control-config-file']).podSecurity } : {}),
      serviceAccount: {
        issuer: a['service-account-issuer'],
        signingKey: read(a['service-account-signing-key-file']),
        verifyKeys: a['service-account-key-file'].map(read),
        audiences: a['api-audiences'] ? a['api-audiences'].split(',').filter(Boolean) : [a['service-account-issuer']],
        maxExpirationSeconds: a['service-account-max-token-expiration'],
      },
      ...(a['advertise-address'] ? { advertiseAddress: a['advertise-address'] } : {}),
      ...(a['kubelet-client-certificate'] && a['kubelet-client-key']
        ? { kubeletClient: { cert: read(a['kubelet-client-certificate']), key: read(a['kubelet-client-key']), ca: read(a['kubelet-certificate-authority'] ?? a['client-ca-file']) } }
        : {}),
      defaultNotReadyTolerationSeconds: a['default-not-ready-toleration-seconds'],
      defaultUnreachableTolerationSeconds: a['default-unreachable-toleration-seconds'],
      log,
      metricsRegistry: metrics,
      health,
    });
    onStop(() => server.stop());
  },
});

function authorizationModes(flag: string): AuthorizationMode[] {
  const modes = flag.split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of modes) if (!AUTHORIZATION_MODES.includes(m as AuthorizationMode)) throw new Error(`--authorization-mode: unknown authorizer "${m}"; known: ${AUTHORIZATION_MODES.join(', ')}`);
  if (!modes.length) throw new Error('--authorization-mode: at least one authorizer');
  return modes as AuthorizationMode[];
}

function auditOptions(logPath: string | undefined, policyFile: string | undefined): { audit?: { logPath: string; policyFile: string } } {
  if (!logPath && !policyFile) return {};
  if (!logPath || !policyFile) throw new Error('--audit-log-path and --audit-policy-file go together');
  return { audit: { logPath, policyFile } };
}
