import type { Pod } from './core';

// The objects of a kind a pod refers to: what the Node authorizer lets a kubelet read (its graph
// edges) and what the kubelet fetches before it starts the pod's containers.

export type PodReferenceKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

export function podReferences(pod: Pod, kind: PodReferenceKind): string[] {
  const spec = pod.spec;
  const out = new Set<string>();
  if (kind === 'serviceaccounts') {
    out.add(spec.serviceAccountName ?? 'default');
    return [...out];
  }
  for (const v of spec.volumes ?? []) {
    if (kind === 'secrets' && v.secret?.secretName) out.add(v.secret.secretName);
    if (kind === 'configmaps' && v.configMap?.name) out.add(v.configMap.name);
    if (kind === 'persistentvolumeclaims' && v.persistentVolumeClaim?.claimName) out.add(v.persistentVolumeClaim.claimName);
    for (const p of v.projected?.sources ?? []) {
      if (kind === 'secrets' && p.secret?.name) out.add(p.secret.name);
      if (kind === 'configmaps' && p.configMap?.name) out.add(p.configMap.name);
    }
  }
  // imagePullSecrets is stored as given (tinykube's registry needs no credentials).
  const loose = spec as { imagePullSecrets?: { name?: string }[] };
  if (kind === 'secrets') for (const s of loose.imagePullSecrets ?? []) if (s.name) out.add(s.name);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      if (kind === 'secrets' && e.valueFrom?.secretKeyRef?.name) out.add(e.valueFrom.secretKeyRef.name);
      if (kind === 'configmaps' && e.valueFrom?.configMapKeyRef?.name) out.add(e.valueFrom.configMapKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (kind === 'secrets' && f.secretRef?.name) out.add(f.secretRef.name);
      if (kind === 'configmaps' && f.configMapRef?.name) out.add(f.configMapRef.name);
    }
  }
  return [...out];
}
