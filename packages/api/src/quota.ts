// v1 ResourceQuota and LimitRange, and the arithmetic both admission and the quota controller
// use: what an object costs against a quota (Kubernetes' quota evaluators), read from one table.
import type { Container, PersistentVolumeClaim, Pod, Service } from './core';
import type { KubeObject } from './meta';
import type { ResourceInfo } from './resources';
import { parseQuantity } from './quantity';

export interface ResourceQuota extends KubeObject {
  spec?: {
    hard?: Record<string, string>;
    scopes?: string[];
    scopeSelector?: { matchExpressions?: { scopeName: string; operator: string; values?: string[] }[] };
  };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

export type LimitType = 'Container' | 'Pod' | 'PersistentVolumeClaim';

export interface LimitRangeItem {
  type: LimitType;
  max?: Record<string, string>;
  min?: Record<string, string>;
  default?: Record<string, string>;
  defaultRequest?: Record<string, string>;
  maxLimitRequestRatio?: Record<string, string>;
}

export interface LimitRange extends KubeObject {
  spec: { limits: LimitRangeItem[] };
}

/** A pod that has finished uses no quota (Kubernetes' QuotaV1Pod). */
export function podCountsForQuota(p: Pod): boolean {
  return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

type List = Record<string, string> | undefined;

function add(into: Map<string, number>, list: List): void {
  for (const [k, v] of Object.entries(list ?? {})) into.set(k, (into.get(k) ?? 0) + (parseQuantity(v) ?? 0));
}

/**
 * A pod's effective requests or limits, as Kubernetes' PodRequests: app containers and native
 * sidecars summed; each ordinary init container (plus the sidecars started before it) counts
 * only where it is larger.
 */
export function podResourceTotals(pod: Pod, which: 'requests' | 'limits'): Map<string, number> {
  const total = new Map<string, number>();
  for (const c of pod.spec?.containers ?? []) add(total, c.resources?.[which]);
  const sidecars = new Map<string, number>();
  const initMax = new Map<string, number>();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = new Map<string, number>();
    add(own, c.resources?.[which]);
    if (c.restartPolicy === 'Always') {
      for (const [k, v] of own) {
        total.set(k, (total.get(k) ?? 0) + v);
        sidecars.set(k, (sidecars.get(k) ?? 0) + v);
      }
      own.clear();
      for (const [k, v] of sidecars) own.set(k, v);
    } else for (const [k, v] of sidecars) own.set(k, (own.get(k) ?? 0) + v);
    for (const [k, v] of own) initMax.set(k, Math.max(initMax.get(k) ?? 0, v));
  }
  for (const [k, v] of initMax) total.set(k, Math.max(total.get(k) ?? 0, v));
  return total;
}

/** The containers' names that set no `which` of `resource` (for quota's "must specify"). */
export function containersMissing(pod: Pod, which: 'requests' | 'limits', resource: string): string[] {
  const all: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return all.filter((c) => c.resources?.[which]?.[resource] === undefined).map((c) => c.name);
}

/** Compute resource names a quota may hold, to the pod total they read: cpu means requests.cpu. */
export function computeQuotaResource(name: string): { which: 'requests' | 'limits'; resource: string } | undefined {
  const m = /^(requests|limits)\.(.+)$/.exec(name);
  if (m) return m[2] === 'storage' ? undefined : { which: m[1] as 'requests' | 'limits', resource: m[2]! };
  if (['cpu', 'memory', 'ephemeral-storage'].includes(name)) return { which: 'requests', resource: name };
  if (name.startsWith('hugepages-')) return { which: 'requests', resource: name };
  return undefined;
}

/** Kubernetes' object-count names: `pods`, `services`, ... and `count/<resource>[.<group>]`. */
const COUNT_NAMES: Record<string, string> = {
  pods: '/pods',
  services: '/services',
  replicationcontrollers: '/replicationcontrollers',
  resourcequotas: '/resourcequotas',
  secrets: '/secrets',
  configmaps: '/configmaps',
  persistentvolumeclaims: '/persistentvolumeclaims',
};

/** The `group/plural` a quota resource name counts, or undefined for a name that counts no objects. */
export function countedResource(name: string): string | undefined {
  if (COUNT_NAMES[name]) return COUNT_NAMES[name];
  const m = /^count\/([a-z0-9-]+)(?:\.(.+))?$/.exec(name);
  return m ? `${m[2] ?? ''}/${m[1]}` : undefined;
}

/**
 * What one object uses of every resource `names` a quota holds (only the names it concerns):
 * counts, pod compute totals, Service NodePorts and LoadBalancers, claims' requested storage.
 */
export function quotaUsage(r: ResourceInfo, obj: KubeObject, names: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  const key = `${r.group}/${r.plural}`;
  const pod = r.kind === 'Pod' ? (obj as Pod) : undefined;
  if (pod && !podCountsForQuota(pod)) return out;
  const totals = pod ? { requests: podResourceTotals(pod, 'requests'), limits: podResourceTotals(pod, 'limits') } : undefined;
  for (const name of names) {
    if (countedResource(name) === key) out.set(name, 1);
    const compute = computeQuotaResource(name);
    if (totals && compute) out.set(name, totals[compute.which].get(compute.resource) ?? 0);
    if (r.kind === 'Service') {
      const svc = obj as Service;
      const type = svc.spec?.type ?? 'ClusterIP';
      if (name === 'services.nodeports') out.set(name, type === 'NodePort' || type === 'LoadBalancer' ? (svc.spec?.ports ?? []).length : 0);
      if (name === 'services.loadbalancers') out.set(name, type === 'LoadBalancer' ? 1 : 0);
    }
    if (r.kind === 'PersistentVolumeClaim') {
      const storage = parseQuantity((obj as PersistentVolumeClaim).spec?.resources?.requests?.storage ?? '0') ?? 0;
      if (name === 'requests.storage') out.set(name, storage);
      const cls = /^(.+)\.storageclass\.storage\.k8s\.io\/(requests\.storage|persistentvolumeclaims)$/.exec(name);
      if (cls && ((obj as PersistentVolumeClaim).spec?.storageClassName ?? '') === cls[1]) out.set(name, cls[2] === 'requests.storage' ? storage : 1);
    }
  }
  return out;
}

/** A quantity for people and status: cores as "1" or "500m", bytes in the largest binary unit that divides them. */
export function formatQuantity(name: string, v: number): string {
  const cpuLike = /(^|\.)cpu$/.test(name);
  if (cpuLike) {
    const milli = Math.round(v * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  if (!Number.isInteger(v)) return String(v);
  if (v === 0) return '0';
  for (const [unit, size] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) if (v % size === 0 && v >= size) return `${v / size}${unit}`;
  return String(v);
}
