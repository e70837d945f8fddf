// A pod's QoS class, as Kubernetes' GetPodQOS computes it: over app and init containers, cpu and
// memory only, requests and limits summed per resource and compared as quantities.
import type { Pod } from './core';
import { parseQuantity } from './quantity';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const COMPUTE = ['cpu', 'memory'];

export function qosClass(pod: Pod): QosClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const add = (into: Map<string, number>, list: Record<string, string | number> | undefined): Set<string> => {
    const found = new Set<string>();
    for (const [name, q] of Object.entries(list ?? {})) {
      const v = parseQuantity(q) ?? 0;
      if (!COMPUTE.includes(name) || v <= 0) continue;
      found.add(name);
      into.set(name, (into.get(name) ?? 0) + v);
    }
    return found;
  };
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    add(requests, c.resources?.requests);
    const found = add(limits, c.resources?.limits);
    if (!COMPUTE.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) for (const [name, req] of requests) if (limits.get(name) !== req) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
