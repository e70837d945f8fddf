import { objectKey, R, SERVICE_NAME_LABEL, SLICE_MANAGED_BY_LABEL, type EndpointSlice, type Endpoints, type Service, type SliceEndpoint, type SlicePort } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { ownerRef } from '../pod-util';
import { planSlices, SliceWriter } from './endpointslice';
import { TRIGGER_TIME_ANNOTATION } from './endpoints';

// The EndpointSlice mirroring controller, as Kubernetes': Endpoints a user wrote for a Service
// without a selector are mirrored into slices (owned by the Endpoints, managed by
// endpointslicemirroring-controller.k8s.io), so readers of slices (tk-proxy) see them too.
// Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true are not.

export const MIRROR_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';

/** Pure: an Endpoints object's subsets as slice endpoint groups, by port set. */
export function mirroredEndpoints(ep: Endpoints): { ports: SlicePort[]; endpoints: SliceEndpoint[] }[] {
  const groups = new Map<string, { ports: SlicePort[]; endpoints: SliceEndpoint[] }>();
  for (const subset of ep.subsets ?? []) {
    const ports: SlicePort[] = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })).sort((a, b) => a.name.localeCompare(b.name) || a.port - b.port);
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? groups.set(key, { ports, endpoints: [] }).get(key)!;
    for (const [list, ready] of [[subset.addresses ?? [], true], [subset.notReadyAddresses ?? [], false]] as const) {
      for (const a of list) {
        if (g.endpoints.some((e) => e.addresses[0] === a.ip)) continue;
        g.endpoints.push({ addresses: [a.ip], conditions: { ready }, ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.nodeName ? { nodeName: a.nodeName } : {}), ...(a.targetRef ? { targetRef: a.targetRef } : {}) });
      }
    }
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => a.addresses[0]!.localeCompare(b.addresses[0]!));
  return [...groups.values()].filter((g) => g.endpoints.length);
}

export class EndpointSliceMirroringController extends QueueController {
  private readonly writer: SliceWriter;

  constructor(protected readonly ctx: ControllerContext) {
    super('endpointslicemirroring', { workers: ctx.options.workers, log: ctx.log });
    this.writer = new SliceWriter(ctx);
    const enqueue = (o: Endpoints | Service): void => this.queue.add(objectKey(o));
    ctx.informers.get<Endpoints>(R.endpoints).addEventHandler({ onAdd: enqueue, onUpdate: (_, e) => enqueue(e), onDelete: enqueue });
    ctx.informers.get<Service>(R.services).addEventHandler({ onAdd: enqueue, onUpdate: (_, s) => enqueue(s), onDelete: enqueue });
    const forSlice = (s: EndpointSlice): void => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata.labels?.[SLICE_MANAGED_BY_LABEL] === MIRROR_MANAGED_BY) this.queue.add(`${s.metadata.namespace}/${svc}`);
    };
    ctx.informers.get<EndpointSlice>(R.endpointslices).addEventHandler({ onUpdate: (_, s) => forSlice(s), onDelete: forSlice });
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    if (this.writer.stale(key, ns)) {
      this.queue.addAfter(key, 100);
      return;
    }
    const svc = this.ctx.informers.get<Service>(R.services).get(key);
    const ep = this.ctx.informers.get<Endpoints>(R.endpoints).get(key);
    const mine = this.writer.owned(ns, name, MIRROR_MANAGED_BY);
    const mirror = svc && ep && !(svc.spec.selector && Object.keys(svc.spec.selector).length) && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true';
    if (!mirror) {
      for (const s of mine) await this.writer.remove(s);
      return;
    }
    const groups = mirroredEndpoints(ep);
    // No placeholder: an Endpoints with no addresses mirrors to no slices.
    const plan = groups.length ? planSlices(groups, mine) : { create: [], update: [], delete: mine };
    const labels = Object.fromEntries(Object.entries(ep.metadata.labels ?? {}).filter(([k]) => k !== SLICE_MANAGED_BY_LABEL));
    await this.writer.apply(key, plan, {
      namespace: ns,
      generateName: `${name}-`,
      labels: { ...labels, [SERVICE_NAME_LABEL]: name, [SLICE_MANAGED_BY_LABEL]: MIRROR_MANAGED_BY },
      annotations: ep.metadata.annotations?.[TRIGGER_TIME_ANNOTATION] ? { [TRIGGER_TIME_ANNOTATION]: ep.metadata.annotations[TRIGGER_TIME_ANNOTATION] } : {},
      owner: ownerRef(ep),
    });
  }
}
