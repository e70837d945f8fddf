import { isPodReady, R, type ApiError, type EndpointAddress, type EndpointPort, type EndpointSubset, type Endpoints, type Pod, type Service, semanticJson } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { watchServicesAndPods } from '../service-triggers';

// Endpoints: for each Service with a selector, the matching pods with an IP — ready ones in
// `addresses`, others in `notReadyAddresses` — with target ports resolved per pod (a named
// targetPort may differ between pods), grouped into subsets by port set as Kubernetes does.
// The time of the change that triggered a write goes in an annotation, which kube-proxy
// uses to measure network programming latency.

export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

export function resolvePort(svcPort: NonNullable<Service['spec']['ports']>[number], pod: Pod): number | undefined {
  const t = svcPort.targetPort ?? svcPort.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === t && (p.protocol ?? 'TCP') === (svcPort.protocol ?? 'TCP')) return p.containerPort;
  return undefined;
}

/** Pure: the subsets of a service over these pods. */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; addresses: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolvePort(sp, pod);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' });
    }
    if ((svc.spec.ports ?? []).length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? groups.set(key, { ports, addresses: [], notReady: [] }).get(key)!;
    const hostname = pod.spec.hostname && pod.spec.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {};
    const addr: EndpointAddress = { ip, ...hostname, ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}), targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name, uid: pod.metadata.uid } };
    if (isPodReady(pod) || svc.spec.publishNotReadyAddresses) g.addresses.push(addr);
    else g.notReady.push(addr);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress): number => a.ip.localeCompare(b.ip);
  return [...groups.values()]
    .map((g) => ({
      ...(g.addresses.length ? { addresses: g.addresses.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ports: g.ports,
    }))
    .sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)));
}

export class EndpointsController extends QueueController {
  /** When the first unprocessed change of each service happened. */
  private readonly triggers = new Map<string, string>();

  constructor(protected readonly ctx: ControllerContext) {
    super('endpoints', { workers: ctx.options.workers, log: ctx.log });
    ctx.informers.get<Endpoints>(R.endpoints);
    watchServicesAndPods(ctx, (key) => {
      if (!this.triggers.has(key)) this.triggers.set(key, new Date().toISOString());
      this.queue.add(key);
    });
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.ctx.informers.get<Service>(R.services).get(key);
    const current = this.ctx.informers.get<Endpoints>(R.endpoints).get(key);
    const trigger = this.triggers.get(key) ?? new Date().toISOString();
    this.triggers.delete(key);
    if (!svc) {
      if (current) await this.ctx.api.delete(R.endpoints, ns, name).catch((err: ApiError) => {
        if (err.code !== 404) throw err;
      });
      return;
    }
    if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return; // managed by hand
    const sel = Object.entries(svc.spec.selector);
    const pods = this.ctx.informers.get<Pod>(R.pods).list().filter((p) => p.metadata.namespace === ns && sel.every(([k, v]) => p.metadata.labels?.[k] === v));
    const subsets = computeSubsets(svc, pods);
    const labels = { ...(svc.metadata.labels ?? {}) };
    if (current && semanticJson(current.subsets ?? []) === semanticJson(subsets) && semanticJson(current.metadata.labels ?? {}) === semanticJson(labels)) return;
    const annotations = { ...(current?.metadata.annotations ?? {}), [TRIGGER_TIME_ANNOTATION]: trigger };
    try {
      if (current) await this.ctx.api.update<Endpoints>(R.endpoints, { ...current, metadata: { ...current.metadata, labels, annotations }, subsets });
      else await this.ctx.api.create<Endpoints>(R.endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels, annotations }, subsets });
    } catch (err) {
      // Someone else wrote it meanwhile: retry with the cache caught up; keep the trigger time.
      if (!this.triggers.has(key)) this.triggers.set(key, trigger);
      throw err;
    }
  }
}
