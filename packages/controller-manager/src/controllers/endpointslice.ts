import {
  isPodReady,
  R,
  semanticJson,
  SERVICE_NAME_LABEL,
  SLICE_MANAGED_BY_LABEL,
  type ApiError,
  type EndpointSlice,
  type Node,
  type OwnerReference,
  type Pod,
  type Service,
  type SliceEndpoint,
  type SlicePort,
  type Stored,
} from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { ownerRef } from '../pod-util';
import { watchServicesAndPods } from '../service-triggers';
import { resolvePort, TRIGGER_TIME_ANNOTATION } from './endpoints';

// The EndpointSlice controller, as Kubernetes': for each Service with a selector, its pods with
// an IP as endpoints with ready / serving / terminating conditions (terminating pods stay, so
// kube-proxy can fall back to them), hostname, nodeName and zone, grouped by resolved port set
// into slices of at most 100. Endpoints stay in the slice they are in; new ones fill slices
// with room before a new slice is made, so a change rewrites as few slices as it can. A Service
// with no endpoints keeps one empty slice, as Kubernetes' placeholder.

export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE_LABEL = 'topology.kubernetes.io/zone';

interface Group {
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

const portKey = (ports: SlicePort[] | null | undefined): string => JSON.stringify(ports ?? []);
const endpointKey = (e: SliceEndpoint): string => e.targetRef?.uid ?? e.addresses.join(',');

/** Pure: the endpoints of a Service over these pods, by port set. */
export function desiredEndpoints(svc: Service, pods: Pod[], zoneOf: (node: string) => string | undefined = () => undefined): Group[] {
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const ports: SlicePort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolvePort(sp, pod);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if ((svc.spec.ports ?? []).length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || (a.port ?? 0) - (b.port ?? 0));
    const key = portKey(ports);
    const g = groups.get(key) ?? groups.set(key, { ports, endpoints: [] }).get(key)!;
    const terminating = !!pod.metadata.deletionTimestamp;
    const serving = isPodReady(pod);
    const zone = pod.spec.nodeName ? zoneOf(pod.spec.nodeName) : undefined;
    g.endpoints.push({
      addresses: [ip],
      conditions: { ready: svc.spec.publishNotReadyAddresses ? true : serving && !terminating, serving, terminating },
      ...(pod.spec.hostname && pod.spec.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
      ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      ...(zone ? { zone } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name, uid: pod.metadata.uid },
    });
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => a.addresses[0]!.localeCompare(b.addresses[0]!));
  return [...groups.values()];
}

export interface SlicePlan {
  create: { ports: SlicePort[]; endpoints: SliceEndpoint[] }[];
  update: { slice: EndpointSlice; ports: SlicePort[]; endpoints: SliceEndpoint[] }[];
  delete: EndpointSlice[];
}

/**
 * Pure: what to write so that `existing` (the Service's slices) carries `desired`, moving no
 * endpoint that can stay where it is.
 */
export function planSlices(desired: Group[], existing: EndpointSlice[], max = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of [...existing].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const k = portKey(s.ports);
    byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
  }
  const groups = desired.length ? desired : [{ ports: [], endpoints: [] }];
  for (const g of groups) {
    const k = portKey(g.ports);
    const slices = byPorts.get(k) ?? [];
    byPorts.delete(k);
    const wanted = new Map(g.endpoints.map((e) => [endpointKey(e), e]));
    const placed = new Set<string>();
    // Each slice keeps what is still wanted, with its current conditions.
    const kept = slices.map((s) => {
      const eps = (s.endpoints ?? []).map((e) => wanted.get(endpointKey(e))).filter((e): e is SliceEndpoint => !!e && !placed.has(endpointKey(e)));
      eps.forEach((e) => placed.add(endpointKey(e)));
      return { slice: s, endpoints: eps };
    });
    const fresh = g.endpoints.filter((e) => !placed.has(endpointKey(e)));
    for (const k2 of kept) while (fresh.length && k2.endpoints.length < max) k2.endpoints.push(fresh.shift()!);
    const sortIp = (list: SliceEndpoint[]): SliceEndpoint[] => list.sort((a, b) => a.addresses[0]!.localeCompare(b.addresses[0]!));
    for (const k2 of kept) {
      if (!k2.endpoints.length && (g.endpoints.length || k2 !== kept[0])) plan.delete.push(k2.slice);
      else if (semanticJson(sortIp(k2.endpoints)) !== semanticJson(k2.slice.endpoints ?? []) || portKey(g.ports) !== portKey(k2.slice.ports)) plan.update.push({ slice: k2.slice, ports: g.ports, endpoints: k2.endpoints });
    }
    while (fresh.length) plan.create.push({ ports: g.ports, endpoints: sortIp(fresh.splice(0, max)) });
    // A Service with no endpoints keeps one (empty) slice.
    if (!g.endpoints.length && !kept.length) plan.create.push({ ports: g.ports, endpoints: [] });
  }
  for (const rest of byPorts.values()) plan.delete.push(...rest);
  return plan;
}

/**
 * Writes a plan for one owner's slices, and remembers what it wrote until the informer shows it
 * (Kubernetes' endpointSliceTracker): a cache that lags behind our own writes would otherwise
 * make a second slice for the same endpoints.
 */
export class SliceWriter {
  private readonly written = new Map<string, { present: Map<string, string>; gone: Set<string> }>();

  constructor(private readonly ctx: ControllerContext) {}

  /** True while the informer does not yet show what was last written for `key`. */
  stale(key: string, ns: string): boolean {
    const w = this.written.get(key);
    if (!w) return false;
    const informer = this.ctx.informers.get<EndpointSlice>(R.endpointslices);
    const seen = (name: string, rv: string): boolean => Number(informer.get(`${ns}/${name}`)?.metadata.resourceVersion ?? 0) >= Number(rv);
    if ([...w.present].some(([n, rv]) => !seen(n, rv)) || informer.list().some((x) => w.gone.has(x.metadata.uid))) return true;
    this.written.delete(key);
    return false;
  }

  /** The slices of namespace `ns` with these labels (service name and manager). */
  owned(ns: string, service: string, managedBy: string): Stored<EndpointSlice>[] {
    return this.ctx.informers
      .get<EndpointSlice>(R.endpointslices)
      .list()
      .filter((s) => s.metadata.namespace === ns && s.metadata.labels?.[SERVICE_NAME_LABEL] === service && s.metadata.labels?.[SLICE_MANAGED_BY_LABEL] === managedBy);
  }

  async apply(key: string, plan: SlicePlan, meta: { namespace: string; generateName: string; labels: Record<string, string>; annotations: Record<string, string>; owner: OwnerReference }): Promise<void> {
    const track = { present: new Map<string, string>(), gone: new Set<string>() };
    const note = (x: Stored<EndpointSlice>): void => void track.present.set(x.metadata.name, x.metadata.resourceVersion);
    try {
      for (const c of plan.create)
        note(await this.ctx.api.create<EndpointSlice>(R.endpointslices, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: meta.generateName, namespace: meta.namespace, labels: meta.labels, annotations: meta.annotations, ownerReferences: [meta.owner] }, addressType: 'IPv4', ports: c.ports, endpoints: c.endpoints }));
      for (const u of plan.update) note(await this.ctx.api.update<EndpointSlice>(R.endpointslices, { ...u.slice, metadata: { ...u.slice.metadata, labels: meta.labels, annotations: { ...u.slice.metadata.annotations, ...meta.annotations } }, ports: u.ports, endpoints: u.endpoints }));
      for (const d of plan.delete) {
        await this.remove(d);
        track.gone.add(d.metadata.uid!);
      }
    } finally {
      if (track.present.size || track.gone.size) this.written.set(key, track);
    }
  }

  async remove(s: EndpointSlice): Promise<void> {
    await this.ctx.api.delete(R.endpointslices, s.metadata.namespace, s.metadata.name!, { preconditions: { uid: s.metadata.uid! } }).catch((err: ApiError) => {
      if (err.code !== 404 && err.code !== 409) throw err;
    });
  }
}

export class EndpointSliceController extends QueueController {
  private readonly triggers = new Map<string, string>();
  private readonly writer: SliceWriter;

  constructor(protected readonly ctx: ControllerContext) {
    super('endpointslice', { workers: ctx.options.workers, log: ctx.log });
    this.writer = new SliceWriter(ctx);
    ctx.informers.get<Node>(R.nodes);
    const slices = ctx.informers.get<EndpointSlice>(R.endpointslices);
    watchServicesAndPods(ctx, (key) => {
      if (!this.triggers.has(key)) this.triggers.set(key, new Date().toISOString());
      this.queue.add(key);
    });
    // A slice changed or deleted by someone else is put right.
    const forSlice = (s: EndpointSlice): void => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata.labels?.[SLICE_MANAGED_BY_LABEL] === MANAGED_BY) this.queue.add(`${s.metadata.namespace}/${svc}`);
    };
    slices.addEventHandler({ onUpdate: (_, s) => forSlice(s), onDelete: forSlice });
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.ctx.informers.get<Service>(R.services).get(key);
    if (this.writer.stale(key, ns)) {
      this.queue.addAfter(key, 100);
      return;
    }
    const trigger = this.triggers.get(key) ?? new Date().toISOString();
    this.triggers.delete(key);
    const mine = this.writer.owned(ns, name, MANAGED_BY);
    // A deleted Service's slices go with it; a Service without a selector is mirrored from its Endpoints.
    if (!svc || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0) {
      for (const s of mine) await this.writer.remove(s);
      return;
    }
    const sel = Object.entries(svc.spec.selector);
    const pods = this.ctx.informers.get<Pod>(R.pods).list().filter((p) => p.metadata.namespace === ns && sel.every(([k, v]) => p.metadata.labels?.[k] === v));
    const nodes = this.ctx.informers.get<Node>(R.nodes);
    const plan = planSlices(desiredEndpoints(svc, pods, (n) => nodes.get(n)?.metadata.labels?.[ZONE_LABEL]), mine);
    try {
      await this.writer.apply(key, plan, {
        namespace: ns,
        generateName: `${name}-`,
        labels: { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [SLICE_MANAGED_BY_LABEL]: MANAGED_BY },
        annotations: { [TRIGGER_TIME_ANNOTATION]: trigger },
        owner: ownerRef(svc),
      });
    } catch (err) {
      if (!this.triggers.has(key)) this.triggers.set(key, trigger);
      throw err;
    }
  }
}
