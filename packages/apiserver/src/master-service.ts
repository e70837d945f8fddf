// The `kubernetes` Service in `default`, as Kubernetes' apiserver keeps it: its ClusterIP is
// the first address of the Service range, port 443 ("https") leads to the apiserver's port, and
// its Endpoints and its EndpointSlice (both, as Kubernetes writes them) name the advertised
// address. Reconciled at start and every 10 s, so a deleted or
// edited one comes back; pods reach the API through it (KUBERNETES_SERVICE_HOST).
import { canonicalJson, errorCode, R, SERVICE_NAME_LABEL, type EndpointSlice, type Endpoints, type Service } from '@tinykube/api';
import type { Logger } from 'pino';
import type { Registry } from './registry';

const NAME = 'kubernetes';
const NS = 'default';
const PERIOD_MS = 10_000;

export class MasterServiceReconciler {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: Registry,
    private readonly o: { clusterIP: string; address: string; port: number; log: Logger },
  ) {}

  /** Reconciles once (the apiserver is not ready before), then every 10 s. */
  async start(): Promise<void> {
    const run = (): Promise<void> => this.reconcile().catch((err: unknown) => this.o.log.warn({ err: String(err) }, 'could not reconcile the kubernetes Service'));
    await run();
    this.timer = setInterval(() => void run(), PERIOD_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async reconcile(): Promise<void> {
    const ports = [{ name: 'https', port: 443, protocol: 'TCP' as const, targetPort: this.o.port }];
    const current = (await this.registry.get(R.services, NS, NAME).catch((err: unknown) => {
      if (errorCode(err) === 404) return undefined;
      throw err;
    })) as Service | undefined;
    if (!current) {
      await this.registry.create(R.services, NS, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: NAME, namespace: NS, labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: this.o.clusterIP, ports, sessionAffinity: 'None' },
      });
    } else if (canonicalJson(current.spec.ports?.map(({ name, port, protocol, targetPort }) => ({ name, port, protocol, targetPort }))) !== canonicalJson(ports)) {
      await this.registry.update(R.services, NS, NAME, { ...current, spec: { ...current.spec, ports } });
    }
    await this.reconcileSlice();
    const subsets = [{ addresses: [{ ip: this.o.address }], ports: [{ name: 'https', port: this.o.port, protocol: 'TCP' as const }] }];
    const ep = (await this.registry.get(R.endpoints, NS, NAME).catch(() => undefined)) as Endpoints | undefined;
    if (ep && canonicalJson(ep.subsets) === canonicalJson(subsets)) return;
    await this.registry.update(R.endpoints, NS, NAME, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { ...(ep?.metadata ?? {}), name: NAME, namespace: NS, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets,
    });
  }

  private async reconcileSlice(): Promise<void> {
    const want = { addressType: 'IPv4' as const, endpoints: [{ addresses: [this.o.address], conditions: { ready: true } }], ports: [{ name: 'https', port: this.o.port, protocol: 'TCP' as const }] };
    const cur = (await this.registry.get(R.endpointslices, NS, NAME).catch((err: unknown) => {
      if (errorCode(err) === 404) return undefined;
      throw err;
    })) as EndpointSlice | undefined;
    if (cur && canonicalJson({ addressType: cur.addressType, endpoints: cur.endpoints, ports: cur.ports }) === canonicalJson(want) && cur.metadata.labels?.[SERVICE_NAME_LABEL] === NAME) return;
    const slice: EndpointSlice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { ...(cur?.metadata ?? {}), name: NAME, namespace: NS, labels: { [SERVICE_NAME_LABEL]: NAME } }, ...want };
    if (cur) await this.registry.update(R.endpointslices, NS, NAME, slice);
    else await this.registry.create(R.endpointslices, NS, slice);
  }
}
