// An apiserver in-process over a real etcd, for integration tests.
import pino from 'pino';
import { loadEncryptionConfig, startApiserver, type Apiserver } from '@tinykube/apiserver';
import { AUDIT_POLICY, ENCRYPTION_CONFIG } from '@tinykube/hosts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GrpcClient, RestClient, renderKubeconfig, tlsFetch, type TlsFetch } from '@tinykube/client';
import { canonicalJson, R, type ClusterRole } from '@tinykube/api';
import { aggregatedRules, DEFAULT_DISRUPTION, startControllers } from '@tinykube/controller-manager';
import { Registry as Metrics } from 'prom-client';
import { TestEtcd } from './etcd';
import { waitFor } from './wait';
import { testPki, type TestPki } from './pki';

export interface TestCluster {
  etcd: TestEtcd;
  api: Apiserver;
  rest: RestClient;
  grpc: GrpcClient;
  pki: TestPki;
  /** The apiserver's audit log (the PKI's default policy). */
  auditLog: string;
  /** A kubeconfig for this apiserver, as the cluster admin (for kubectl). */
  kubeconfig: string;
  /** fetch as the cluster admin (a system:masters client certificate). */
  fetch: TlsFetch;
  /** fetch with no client certificate (anonymous), trusting the cluster CA. */
  anonymous: TlsFetch;
  stop(): Promise<void>;
}

let started = 0;

export async function startTestApi(etcd?: TestEtcd, ports: { port?: number; grpcPort?: number } = {}): Promise<TestCluster> {
  const e = etcd ?? (await new TestEtcd().start());
  const pki = await testPki();
  const auditLog = path.join(pki.dir, `audit-${process.pid}-${++started}.log`);
  const api = await startApiserver({
    tls: pki.serving,
    serviceAccount: pki.serviceAccount,
    // Secrets encrypted at rest with the PKI's key and an audit log, as `up` runs the apiserver.
    encryption: loadEncryptionConfig(path.join(pki.dir, ENCRYPTION_CONFIG)),
    audit: { logPath: auditLog, policyFile: path.join(pki.dir, AUDIT_POLICY) },
    etcdServers: [e.url],
    bindAddress: '127.0.0.1',
    port: ports.port ?? 0,
    grpcPort: ports.grpcPort ?? 0,
    serviceCidr: '10.96.0.0/16',
    nodePortRange: [30000, 32767],
    compactionIntervalMs: 0,
    log: pino({ level: process.env.TK_TEST_LOG ?? 'silent' }),
  });
  const rest = new RestClient(api.url, { tls: pki.admin });
  const kubeconfig = path.join(pki.dir, `kubeconfig-${api.port}`);
  fs.writeFileSync(kubeconfig, renderKubeconfig(api.url, pki.admin), { mode: 0o600 });
  const grpc = new GrpcClient(api.grpcAddress, pki.admin);
  // As in a cluster, every namespace gets its default ServiceAccount (pods need it) and the CA
  // ConfigMap; the bootstrap namespaces have theirs before the tests begin.
  const cmApi = new GrpcClient(api.grpcAddress, pki.identity('controller-manager'));
  const controllers = await startControllers(
    cmApi,
    { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24, nodeMonitorGracePeriodMs: 40_000, disruption: DEFAULT_DISRUPTION, podGc: { terminatedThreshold: 12500, periodMs: 20_000, quarantineMs: 40_000 }, workers: 2, rootCa: pki.admin.ca, clusterSigning: { cert: pki.admin.ca, key: fs.readFileSync(path.join(pki.dir, 'ca.key'), 'utf8'), durationMs: 365 * 86_400_000 } },
    pino({ level: 'silent' }),
    new Metrics(),
    ['serviceaccount', 'root-ca-cert-publisher', 'csrapproving', 'csrsigning', 'bootstrapsigner', 'clusterrole-aggregation'],
  );
  await waitFor(async () => {
    const [sas, cms] = await Promise.all([rest.list(R.serviceaccounts), rest.list(R.configmaps)]);
    return ['default', 'kube-system', 'kube-public', 'kube-node-lease'].every((ns) => sas.items.some((s) => s.metadata.namespace === ns && s.metadata.name === 'default') && cms.items.some((c) => c.metadata.namespace === ns && c.metadata.name === 'kube-root-ca.crt'));
  }, { what: 'default ServiceAccounts and CA ConfigMaps', timeoutMs: 10_000 });
  // And admin, edit and view hold their aggregated rules: no controller write is still to come.
  await waitFor(async () => {
    const roles = (await rest.list<ClusterRole>(R.clusterroles)).items;
    return roles.filter((r) => r.aggregationRule).every((r) => canonicalJson(r.rules ?? []) === canonicalJson(aggregatedRules(r, roles)) && (r.rules ?? []).length > 0);
  }, { what: 'the aggregated ClusterRoles', timeoutMs: 10_000 });
  return {
    etcd: e,
    api,
    rest,
    grpc,
    pki,
    kubeconfig,
    auditLog,
    fetch: tlsFetch(pki.admin),
    anonymous: tlsFetch({ ca: pki.admin.ca }),
    async stop() {
      await controllers.stop();
      cmApi.close();
      grpc.close();
      await api.stop();
      if (!etcd) await e.stop();
    },
  };
}
