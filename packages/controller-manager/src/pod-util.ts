import { ApiError, controllerOf, getCondition, isPodReady, R, semanticJson, setCondition, timestamp, type KubeObject, type OwnerReference, type Pod, type PodTemplateSpec, type Stored } from '@tinykube/api';
import type { ApiClient } from '@tinykube/client';

// Helpers the workload controllers share: which pods count, availability, owner references.

/** Not finished and not being deleted: the pods a controller counts as its replicas. */
export function isActivePod(p: Pod): boolean {
  return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;
}

/** Ready for at least minReadySeconds; `recheckMs` says when a ready pod becomes available. */
export function podAvailability(p: Pod, minReadySeconds: number, now = Date.now()): { available: boolean; recheckMs?: number } {
  if (!isPodReady(p)) return { available: false };
  if (!minReadySeconds) return { available: true };
  const since = Date.parse(getCondition(p.status?.conditions, 'Ready')?.lastTransitionTime ?? '') || now;
  const left = since + minReadySeconds * 1000 - now;
  return left <= 0 ? { available: true } : { available: false, recheckMs: left + 50 };
}

export function ownerRef(owner: KubeObject, blockOwnerDeletion = true): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion,
  };
}

export function isControlledBy(o: KubeObject, owner: KubeObject): boolean {
  return controllerOf(o)?.uid === owner.metadata.uid;
}

/** A pod from a template, owned by `owner` (generateName `<prefix>`, or a fixed name). */
export function podFromTemplate(t: PodTemplateSpec, owner: KubeObject, name: { generateName?: string; name?: string }, extraLabels: Record<string, string> = {}): Pod {
  const spec = structuredClone(t.spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...name,
      namespace: owner.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...extraLabels },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    spec,
  };
}

/** FNV-1a 32-bit, as Kubernetes' pod-template-hash, in its safe alphabet (no vowels). */
export function templateHash(t: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = semanticJson(t) + (collisionCount ? String(collisionCount) : '');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (const ch of String(h)) out += alphabet[ch.charCodeAt(0) % alphabet.length]!;
  return out;
}

/**
 * Kubernetes' DisruptionTarget condition, written before a controller deletes a pod that has not
 * finished (the taint manager's and pod GC's reasons), so a Job's podFailurePolicy can tell a
 * disruption from a failure. A pod changed meanwhile just goes without it.
 */
export async function markDisruptionTarget(api: ApiClient, p: Stored<Pod>, reason: string, message: string): Promise<void> {
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return;
  const conditions = structuredClone(p.status?.conditions ?? []);
  if (!setCondition(conditions, { type: 'DisruptionTarget', status: 'True', reason, message }, timestamp())) return;
  await api.updateStatus<Pod>(R.pods, { ...p, status: { ...p.status, conditions } }).catch((err: unknown) => {
    if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
  });
}
