// Wires the apiserver together: etcd store, registry, REST and gRPC front doors, compaction.
import { circuitBreaker, ConsecutiveBreaker, handleWhen, retry } from 'cockatiel';
import { Etcd3, GRPCUnavailableError } from 'etcd3';
import { firstAddress, R, storageKey, type KubeObject, type LimitRange, type ResourceInfo, type ResourceQuota } from '@tinykube/api';
import { HealthChecks } from '@tinykube/daemon';
import type { Registry as MetricsRegistry } from 'prom-client';
import pino, { type Logger } from 'pino';
import { admissionChain, type PodSecurityConfig, type RbacPolicyView } from './admission';
import { ServiceAllocators } from './allocators';
import { createMetrics, type Metrics } from './metrics';
import { Registry } from './registry';
import { RestServer } from './rest/server';
import { GrpcServer } from './grpc/server';
import { execUpgradeHandler } from './exec-proxy';
import { PORTFORWARD_PATH, portForwardUpgradeHandler } from './portforward/portforward-proxy';
import { podLogHandler, type KubeletClientTls } from './kubelet-proxy';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ServiceAccountTokens, type ServiceAccountTokenOptions } from './authn/service-account-tokens';
import { Authorizer, type AuthorizationMode } from './authz/authorizer';
import { reconcileBootstrapPolicy } from './authz/reconcile-policy';
import { MasterServiceReconciler } from './master-service';
import { EtcdStore } from './storage/etcd-store';
import { AuditLog } from './audit';
import type { Transformer } from './storage/encryption';
import { Strategies } from './strategies';

export interface ApiserverOptions {
  etcdServers: string[];
  bindAddress: string;
  port: number;
  grpcPort: number;
  serviceCidr: string;
  nodePortRange: [number, number];
  /** Compact etcd history older than this (0: never). */
  compactionIntervalMs: number;
  /** Events of history the watch cache keeps per resource. */
  watchCacheSize?: number;
  /** The serving certificate and key, and the CA whose client certificates authenticate users (PEM). */
  tls: { cert: string; key: string; clientCa: string };
  /** The audit log and its policy (--audit-log-path, --audit-policy-file); none when absent. */
  audit?: { logPath: string; policyFile: string };
  /** Encryption at rest (from --encryption-provider-config); plaintext when absent. */
  encryption?: Transformer;
  /** Pod Security admission's defaults and exemptions (from --admission-control-config-file). */
  podSecurity?: PodSecurityConfig;
  /** --authorization-mode, in order (Node,RBAC). */
  authorizationModes?: readonly AuthorizationMode[];
  /** Unauthenticated reads of /healthz, /livez, /readyz and /version (Kubernetes' --anonymous-auth; true). */
  anonymousAuth?: boolean;
  /** Issuer, keys and audiences of ServiceAccount tokens. */
  serviceAccount: ServiceAccountTokenOptions;
  /** The address the `kubernetes` Service's Endpoints name (Kubernetes' --advertise-address; the bind address). */
  advertiseAddress?: string;
  /** What the apiserver presents to kubelets (logs, exec) and the CA their serving certificates are signed by. */
  kubeletClient?: { cert: string; key: string; ca: string };
  /** tolerationSeconds of the default not-ready / unreachable tolerations (300). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  log?: Logger;
  /** The daemon's metrics registry and health checks, to add the apiserver's to. */
  metricsRegistry?: MetricsRegistry;
  health?: HealthChecks;
}

export interface Apiserver {
  port: number;
  grpcPort: number;
  url: string;
  grpcAddress: string;
  registry: Registry;
  metrics: Metrics;
  stop(): Promise<void>;
}

/**
 * etcd3's default circuit breaker opens for 5 s after three "recoverable" errors of any kind,
 * including one request's own (a message too large), which let one client fail every other
 * client's requests. Here only etcd being unreachable counts towards it, and only that is retried.
 */
function etcdFaultHandling(): NonNullable<ConstructorParameters<typeof Etcd3>[0]>['faultHandling'] {
  const unavailable = handleWhen((e) => e instanceof GRPCUnavailableError);
  return {
    host: () => circuitBreaker(unavailable, { halfOpenAfter: 5000, breaker: new ConsecutiveBreaker(3) }),
    global: retry(unavailable, { maxAttempts: 3 }),
  };
}

/** What escalation prevention reads of RBAC. */
function policyView(authorizer: Authorizer): RbacPolicyView {
  return {
    allows: (user, a) => authorizer.authorize(user, a).decision === 'allow',
    rulesOf: (user, namespace) => authorizer.rbac.grants(user, namespace).flatMap((g) => g.rules),
    roleRules: (kind, namespace, name) => authorizer.rbac.roleRules(kind, namespace, name),
  };
}

const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startApiserver(o: ApiserverOptions): Promise<Apiserver> {
  const log = o.log ?? pino({ name: 'tk-apiserver' });
  // Lists of thousands of objects exceed gRPC's 4 MiB default message size.
  const etcd = new Etcd3({ hosts: o.etcdServers, dialTimeout: 5000, grpcOptions: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 }, faultHandling: etcdFaultHandling() });
  const store = new EtcdStore(etcd, o.encryption);
  const metrics = createMetrics(o.metricsRegistry);
  const admission = admissionChain({
    // NamespaceLifecycle asks the registry's watch cache first, then etcd.
    namespaces: {
      cached: (name) => registry.cache(R.namespaces).peek(storageKey(R.namespaces, undefined, name)),
      read: async (name) => (await store.get(storageKey(R.namespaces, undefined, name)))?.obj,
    },
    serviceAccounts: {
      cached: (ns, name) => registry.cache(R.serviceaccounts).peek(storageKey(R.serviceaccounts, ns, name)),
      read: async (ns, name) => (await store.get(storageKey(R.serviceaccounts, ns, name)))?.obj,
    },
    defaultTolerationSeconds: { notReady: o.defaultNotReadyTolerationSeconds ?? 300, unreachable: o.defaultUnreachableTolerationSeconds ?? 300 },
    rbac: () => policyView(authorizer),
    ...(o.podSecurity ? { podSecurity: o.podSecurity } : {}),
    limitRanges: { limitRanges: (ns) => inNamespace<LimitRange>(R.limitranges, ns) },
    quotas: {
      cached: (ns) => inNamespace<ResourceQuota>(R.resourcequotas, ns),
      get: async (ns, name) => (await registry.get(R.resourcequotas, ns, name).catch((e: { code?: number }) => (e.code === 404 ? undefined : Promise.reject(e)))) as ResourceQuota | undefined,
      updateStatus: async (q) => {
        await registry.update(R.resourcequotas, q.metadata.namespace, q.metadata.name!, q, { subresource: 'status' });
      },
    },
  });
  const inNamespace = <T extends KubeObject>(r: ResourceInfo, ns: string): T[] => [...registry.cache(r).items()].filter((x) => x.metadata.namespace === ns) as T[];
  const registry: Registry = new Registry(store, new Strategies(new ServiceAllocators(store, o.serviceCidr, o.nodePortRange)), admission, (err) => log.warn({ err }, 'watch cache restarting'), o.watchCacheSize);
  const authorizer = new Authorizer(registry, o.authorizationModes ?? ['Node', 'RBAC']);
  await registry.start();
  for (const ns of BOOTSTRAP_NAMESPACES) {
    await registry.create(R.namespaces, undefined, { metadata: { name: ns } }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
  }
  // The roles and bindings the cluster starts with, before the first request is served.
  await reconcileBootstrapPolicy(registry);
  const health = (o.health ?? new HealthChecks())
    .addLive('etcd', async () => {
      // Any answer from etcd within the deadline will do.
      const answer = store.currentRevision();
      answer.catch(() => undefined);
      await Promise.race([answer, new Promise((_, reject) => setTimeout(() => reject(new Error('etcd did not answer within 2 s')), 2000).unref())]);
      return undefined;
    })
    .addReady('informer-sync', () => {
      const behind = registry.unsyncedCaches();
      return behind.length ? `watch caches not synced: ${behind.join(', ')}` : undefined;
    });
  const tokens = new ServiceAccountTokens(o.serviceAccount, registry);
  const audit = o.audit ? AuditLog.fromFiles(o.audit.logPath, o.audit.policyFile) : undefined;
  const rest = new RestServer({
    registry,
    log,
    metrics,
    health,
    tls: o.tls,
    anonymousAuth: o.anonymousAuth ?? true,
    tokens,
    authorizer,
    ...(audit ? { audit } : {}),
    ...(o.kubeletClient ? { podSubresources: { log: podLogHandler(registry, o.kubeletClient) }, onUpgrade: upgradeRoutes(registry, o.kubeletClient) } : {}),
  });
  const port = await rest.listen(o.port, o.bindAddress);
  const grpcServer = new GrpcServer(registry, log, metrics, tokens, authorizer, audit);
  const grpcPort = await grpcServer.listen(`${o.bindAddress}:${o.grpcPort}`, o.tls);
  let compactTimer: NodeJS.Timeout | undefined;
  if (o.compactionIntervalMs > 0) {
    // Keep one interval of history, as the Kubernetes apiserver does: compact to the revision seen last time.
    let previous: string | undefined;
    compactTimer = setInterval(() => {
      void (async () => {
        const current = await store.currentRevision();
        if (previous) await store.compact(previous);
        previous = current;
      })().catch((err: unknown) => log.warn({ err }, 'compaction failed'));
    }, o.compactionIntervalMs);
  }
  const master = new MasterServiceReconciler(registry, { clusterIP: firstAddress(o.serviceCidr), address: o.advertiseAddress ?? o.bindAddress, port, log });
  await master.start();
  log.info({ port, grpcPort }, 'apiserver serving');
  return {
    port,
    grpcPort,
    url: `https://${o.bindAddress}:${port}`,
    grpcAddress: `${o.bindAddress}:${grpcPort}`,
    registry,
    metrics,
    async stop() {
      master.stop();
      if (compactTimer) clearInterval(compactTimer);
      await rest.close();
      await grpcServer.close();
      await registry.stop();
      await audit?.close();
      etcd.close();
    },
  };
}

/** Connection upgrades: port-forward, or exec and attach. */
function upgradeRoutes(registry: Registry, tls: KubeletClientTls) {
  const exec = execUpgradeHandler(registry, tls);
  const portForward = portForwardUpgradeHandler(registry, tls);
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    (PORTFORWARD_PATH.test(path) ? portForward : exec)(req, socket, head);
  };
}
