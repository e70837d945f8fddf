import { controllerOf, getCondition, isPodReady, semanticJson, type KubeObject, type OwnerReference, type Pod, type PodTemplateSpec } from '@tinykube/api';

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
