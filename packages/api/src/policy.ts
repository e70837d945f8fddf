// policy/v1 PodDisruptionBudget and Eviction (the pods/eviction subresource's body).
import type { Pod } from './core';
import type { Condition, IntOrString, KubeObject, LabelSelector } from './meta';
import { selectorFromLabelSelector } from './selectors';

export interface PodDisruptionBudget extends KubeObject {
  spec: {
    minAvailable?: IntOrString;
    maxUnavailable?: IntOrString;
    /** In policy/v1 an empty selector selects every pod of the namespace, a missing one none. */
    selector?: LabelSelector;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: {
    observedGeneration?: number;
    /** Pods the eviction subresource let go that the controller has not yet seen go, with when. */
    disruptedPods?: Record<string, string>;
    disruptionsAllowed: number;
    currentHealthy: number;
    desiredHealthy: number;
    expectedPods: number;
    conditions?: Condition[];
  };
}

export interface Eviction extends KubeObject {
  deleteOptions?: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string }; propagationPolicy?: string; dryRun?: string[] };
}

/** Whether a budget covers a pod: in policy/v1 an empty selector takes every pod of its namespace, a missing one none. */
export function budgetSelects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  if (pdb.spec?.selector === undefined || pdb.metadata.namespace !== pod.metadata.namespace) return false;
  return selectorFromLabelSelector(pdb.spec.selector)?.matches(pod.metadata.labels) ?? false;
}
