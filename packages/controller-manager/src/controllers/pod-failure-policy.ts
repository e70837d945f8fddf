import type { Job, Pod, PodFailurePolicyRule } from '@tinykube/api';

// A Job's podFailurePolicy, as Kubernetes' matchPodFailurePolicy: the rules in order against a
// failed pod; the first whose exit codes (any container that ended non-zero) or pod conditions
// match decides, with Kubernetes' message for the Job's condition.

export interface PolicyMatch {
  action: PodFailurePolicyRule['action'];
  message: string;
}

export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch | undefined {
  const rules = job.spec.podFailurePolicy?.rules ?? [];
  const who = `${pod.metadata.namespace}/${pod.metadata.name}`;
  const ended = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].filter((c) => (c.state?.terminated?.exitCode ?? 0) !== 0);
  for (const [i, rule] of rules.entries()) {
    const codes = rule.onExitCodes;
    if (codes) {
      const hit = ended.find((c) => (!codes.containerName || codes.containerName === c.name) && codes.values.includes(c.state!.terminated!.exitCode) === (codes.operator === 'In'));
      if (hit) return { action: rule.action, message: `Container ${hit.name} for pod ${who} failed with exit code ${hit.state!.terminated!.exitCode} matching ${rule.action} rule at index ${i}` };
    }
    for (const want of rule.onPodConditions ?? []) {
      const c = pod.status?.conditions?.find((x) => x.type === want.type && x.status === (want.status ?? 'True'));
      if (c) return { action: rule.action, message: `Pod ${who} has condition ${c.type} matching ${rule.action} rule at index ${i}` };
    }
  }
  return undefined;
}
