import { bytes, controllerOf, cpuMillis, getCondition, matchesNodeAffinity, tolerates, untoleratedTaint, type Node, type PersistentVolumeClaim, type Pod, type Taint } from '@tinykube/api';

// Filters and scores, as pure functions over a snapshot, so they are tested without a cluster.
// Each filter returns undefined when the node fits, else the reason Kubernetes prints.

export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export interface NodeSnapshot {
  node: Node;
  /** Pods bound (or assumed bound) to the node and not finished. */
  pods: Pod[];
}

export interface Requests {
  cpu: number;
  memory: number;
}

/** Requests per pod object: informer objects are immutable, so parsing quantities once is enough. */
const requestsCache = new WeakMap<Pod, Requests>();

export function podRequests(pod: Pod): Requests {
  const cached = requestsCache.get(pod);
  if (cached) return cached;
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers) {
    cpu += cpuMillis(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu ?? 0);
    memory += bytes(c.resources?.requests?.memory ?? c.resources?.limits?.memory ?? 0);
  }
  const r = { cpu, memory };
  requestsCache.set(pod, r);
  return r;
}

function allocatable(node: Node): Requests & { pods: number } {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { cpu: cpuMillis(a.cpu ?? 0), memory: bytes(a.memory ?? 0), pods: Number(a.pods ?? 110) };
}

function used(s: NodeSnapshot): Requests {
  return s.pods.reduce((acc, p) => {
    const r = podRequests(p);
    return { cpu: acc.cpu + r.cpu, memory: acc.memory + r.memory };
  }, { cpu: 0, memory: 0 });
}

export type Filter = (pod: Pod, s: NodeSnapshot, claims: Map<string, PersistentVolumeClaim>) => string | undefined;

export const FILTERS: Filter[] = [
  (_, s) => (getCondition(s.node.status?.conditions, 'Ready')?.status === 'True' ? undefined : "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"),
  // A cordoned node takes only pods that tolerate its unschedulable taint (DaemonSet pods do).
  (pod, s) => (s.node.spec?.unschedulable && !(pod.spec.tolerations ?? []).some((t) => tolerates(t, UNSCHEDULABLE_TAINT)) ? 'node(s) were unschedulable' : undefined),
  (pod, s) => (matchesNodeAffinity(pod, s.node) ? undefined : "node(s) didn't match Pod's node affinity/selector"),
  (pod, s) => {
    const bad = untoleratedTaint(pod, s.node, ['NoSchedule', 'NoExecute']);
    return bad ? `node(s) had untolerated taint {${bad.key}: ${bad.value ?? ''}}` : undefined;
  },
  (pod, s) => {
    const wanted = pod.spec.containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => `${p.protocol ?? 'TCP'}/${p.hostPort}`));
    if (wanted.length === 0) return undefined;
    const taken = new Set(s.pods.flatMap((p) => p.spec.containers.flatMap((c) => (c.ports ?? []).filter((x) => x.hostPort).map((x) => `${x.protocol ?? 'TCP'}/${x.hostPort}`))));
    return wanted.some((w) => taken.has(w)) ? "node(s) didn't have free ports for the requested pod ports" : undefined;
  },
  (pod, s, claims) => {
    for (const v of pod.spec.volumes ?? []) {
      if (!v.persistentVolumeClaim) continue;
      const claim = claims.get(`${pod.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
      const at = claim?.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
      if (at && at !== s.node.metadata.name) return 'node(s) had volume node affinity conflict';
    }
    return undefined;
  },
  (pod, s) => {
    const a = allocatable(s.node);
    if (s.pods.length + 1 > a.pods) return 'Too many pods';
    const u = used(s);
    const r = podRequests(pod);
    if (r.cpu > 0 && u.cpu + r.cpu > a.cpu) return 'Insufficient cpu';
    if (r.memory > 0 && u.memory + r.memory > a.memory) return 'Insufficient memory';
    return undefined;
  },
];

/** The first reason the node does not fit, or undefined. */
export function fits(pod: Pod, s: NodeSnapshot, claims: Map<string, PersistentVolumeClaim>): string | undefined {
  for (const f of FILTERS) {
    const reason = f(pod, s, claims);
    if (reason) return reason;
  }
  return undefined;
}

/** Least allocated (0..100, cpu and memory alike) plus spreading of one owner's pods (0..100). */
export function score(pod: Pod, s: NodeSnapshot, ownerCounts: { onNode: number; max: number }): number {
  const a = allocatable(s.node);
  const u = used(s);
  const r = podRequests(pod);
  // Pods without requests count as Kubernetes' scoring defaults: 100m and 200Mi.
  const cpu = (r.cpu || 100) + u.cpu + s.pods.filter((p) => podRequests(p).cpu === 0).length * 100;
  const mem = (r.memory || 200 * 1024 * 1024) + u.memory + s.pods.filter((p) => podRequests(p).memory === 0).length * 200 * 1024 * 1024;
  const free = (cap: number, want: number): number => (cap <= 0 ? 0 : Math.max(0, ((cap - want) * 100) / cap));
  const least = (free(a.cpu, cpu) + free(a.memory, mem)) / 2;
  const spread = ownerCounts.max === 0 ? 100 : 100 * (1 - ownerCounts.onNode / (ownerCounts.max + 1));
  return least + spread;
}

export function ownerUid(pod: Pod): string | undefined {
  return controllerOf(pod)?.uid;
}

/** "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable." as Kubernetes writes it. */
export function unschedulableMessage(total: number, reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `${n} ${r}`);
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}
