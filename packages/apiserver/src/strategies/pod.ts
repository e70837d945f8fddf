import { defaultPod, podRules, podUpdateRules, qosClass, type Pod } from '@tinykube/api';
import { printers } from '../rest/table';
import { strategy } from './strategy';

export const podStrategy = strategy<Pod>({
  nameRule: 'subdomain',
  defaults: defaultPod,
  prepareForCreate(pod) {
    pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
  },
  validate: podRules,
  validateUpdate: podUpdateRules,
  /** A pod bound to a node and still running is deleted gracefully (its kubelet finishes the job). */
  deleteGrace(pod, requested) {
    if (!pod.spec.nodeName) return 0;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
    return requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  },
  printer: printers.Pod,
  selectableFields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
});
