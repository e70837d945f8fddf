// policy/v1 PodDisruptionBudget and Eviction.
import { INT_OR_STRING, META, TIME, int32, int64, kind, list, object, ref, str, stringMap, type Schema } from './schema-builders';

export const POLICY = 'io.k8s.api.policy.v1.';

export const POLICY_SCHEMAS: Record<string, Schema> = {
  [`${POLICY}PodDisruptionBudget`]: kind('How many of a set of pods must stay available (or may be unavailable) during voluntary disruptions: the pods/eviction subresource (kubectl drain) refuses evictions that would break it.', {
    spec: ref(`${POLICY}PodDisruptionBudgetSpec`, 'The desired budget.'),
    status: ref(`${POLICY}PodDisruptionBudgetStatus`, 'The observed state of the budget. Read-only.'),
  }),
  [`${POLICY}PodDisruptionBudgetSpec`]: object('The pods a budget covers and how many of them must stay.', {
    minAvailable: ref(INT_OR_STRING, 'Pods that must stay available after an eviction: a number, or a percentage of the pods the owning controllers want (rounded up). Exclusive with maxUnavailable.'),
    maxUnavailable: ref(INT_OR_STRING, 'Pods that may be unavailable after an eviction: a number, or a percentage of the pods the owning controllers want (rounded up). Exclusive with minAvailable.'),
    selector: ref(`${META}LabelSelector`, 'Label query over the pods of the namespace the budget covers. Empty: every pod; absent: none.'),
    unhealthyPodEvictionPolicy: str('When pods that are running but not Ready may be evicted: IfHealthyBudget (default; only while the budget holds) or AlwaysAllow.', ['AlwaysAllow', 'IfHealthyBudget']),
  }),
  [`${POLICY}PodDisruptionBudgetStatus`]: object('What the disruption controller last saw.', {
    observedGeneration: int64('The generation this status was computed for; evictions wait until it is current.'),
    disruptedPods: stringMap('Pods evicted through this budget that the controller has not yet seen go, with the time of the eviction.'),
    disruptionsAllowed: int32('Evictions allowed now.'),
    currentHealthy: int32('Covered pods that are Ready.'),
    desiredHealthy: int32('Ready pods the budget requires.'),
    expectedPods: int32('Pods the budget counts: the owning controllers\' replicas, or the covered pods for an integer minAvailable.'),
    conditions: list(`${META}Condition`, 'DisruptionAllowed: True (SufficientPods) or False (InsufficientPods).', { mergeKey: 'type' }),
  }, ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']),
  [`${META}Condition`]: object('One aspect of an object\'s state.', {
    type: str('Condition type.'),
    status: str('Whether it holds.', ['False', 'True', 'Unknown']),
    observedGeneration: int64('The generation it was set for.'),
    lastTransitionTime: ref(TIME, 'Last time status changed.'),
    reason: str('A CamelCase reason.'),
    message: str('Details for people.'),
  }, ['type', 'status', 'lastTransitionTime', 'reason', 'message']),
  [`${META}DeleteOptions`]: object('How an object is deleted.', {
    gracePeriodSeconds: int64('Seconds before the object is deleted; 0 deletes at once.'),
    preconditions: ref(`${META}Preconditions`, 'What must hold of the object for the delete to go ahead.'),
    propagationPolicy: str('Foreground, Background or Orphan for the dependents.', ['Background', 'Foreground', 'Orphan']),
    orphanDependents: { type: 'boolean', description: 'Deprecated: use propagationPolicy.' },
    dryRun: { type: 'array', items: { type: 'string' }, description: 'All: check without writing.' },
  }),
  [`${META}Preconditions`]: object('Conditions a write requires.', { uid: str('The object\'s uid.'), resourceVersion: str('The object\'s resourceVersion.') }),
  [`${POLICY}Eviction`]: kind('A request to evict a pod, POSTed to pods/NAME/eviction: the pod is deleted unless a PodDisruptionBudget forbids it (429).', {
    deleteOptions: ref(`${META}DeleteOptions`, 'How the pod is deleted.'),
  }),
};
