// Small helpers over objects: keys, conditions, owner references, deep copies.
import type { Condition, KubeObject, OwnerReference } from './meta';

/** `namespace/name`, or `name` for cluster-scoped objects: the cache and work-queue key. */
export function objectKey(o: { metadata: { namespace?: string; name?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? '');
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** A JSON object: not null, not an array. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepCopy<T>(o: T): T {
  return structuredClone(o);
}

export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}

export function getCondition(conds: Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}

/** Sets a condition, moving lastTransitionTime only when the status changes. Returns true if anything changed. */
export function setCondition(conds: Condition[], next: Condition, now = new Date().toISOString()): boolean {
  const i = conds.findIndex((c) => c.type === next.type);
  if (i < 0) {
    conds.push({ ...next, lastTransitionTime: next.lastTransitionTime ?? now });
    return true;
  }
  const cur = conds[i] as Condition;
  const changed = cur.status !== next.status || cur.reason !== next.reason || cur.message !== next.message;
  if (!changed) return false;
  conds[i] = { ...cur, ...next, lastTransitionTime: cur.status !== next.status ? now : cur.lastTransitionTime };
  return true;
}

export function isPodReady(p: { status?: { conditions?: Condition[] } }): boolean {
  return getCondition(p.status?.conditions, 'Ready')?.status === 'True';
}
