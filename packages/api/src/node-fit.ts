import type { Node, NodeSelectorRequirement, Pod, Taint, Toleration } from './core';

// Whether a pod may go to a node by its node selector, required node affinity and tolerations:
// the scheduler's filters and the DaemonSet controller's eligibility check share these.

export function matchRequirement(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return v !== undefined && (r.values ?? []).includes(v);
    case 'NotIn':
      return v === undefined || !(r.values ?? []).includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
      return v !== undefined && Number(v) > Number(r.values?.[0]);
    case 'Lt':
      return v !== undefined && Number(v) < Number(r.values?.[0]);
  }
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (matchFields: metadata.name). */
export function matchesNodeAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  if (Object.entries(pod.spec.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) return false;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  const fields: Record<string, string> = { 'metadata.name': node.metadata.name ?? '' };
  return terms.some((t) => (t.matchExpressions ?? []).every((r) => matchRequirement(r, labels)) && (t.matchFields ?? []).every((r) => matchRequirement(r, fields)));
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** The first of the node's taints with one of `effects` that the pod does not tolerate. */
export function untoleratedTaint(pod: Pod, node: Node, effects: readonly string[]): Taint | undefined {
  return (node.spec?.taints ?? []).find((taint) => effects.includes(taint.effect) && !(pod.spec.tolerations ?? []).some((t) => tolerates(t, taint)));
}
