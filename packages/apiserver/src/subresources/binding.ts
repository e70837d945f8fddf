// pods/binding: the scheduler's write that assigns a pod to a node, as Kubernetes' BindingREST.
import { errors, isPlainObject, R, setCondition, timestamp, type Binding, type Condition, type Pod } from '@tinykube/api';
import type { Registry } from '../registry';

export async function bindPod(registry: Registry, ns: string, name: string, body: unknown): Promise<void> {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a Binding');
  const b = body as unknown as Binding;
  const node = b.target?.name;
  if (!node) throw errors.invalid('Binding', name, [{ field: 'target.name', type: 'FieldValueRequired', detail: '' }]);
  await registry.guardedUpdate(R.pods, ns, name, (cur) => {
    const pod = cur as Pod;
    if (b.metadata?.uid && b.metadata.uid !== pod.metadata.uid) throw errors.conflict('pods/binding', name, 'the UID of the binding does not match the pod');
    if (pod.spec.nodeName) throw errors.conflict('pods/binding', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    if (pod.metadata.deletionTimestamp) throw errors.conflict('pods/binding', name, `pod ${name} is being deleted, cannot be assigned to a host`);
    pod.spec.nodeName = node;
    pod.status ??= {};
    const conds: Condition[] = (pod.status.conditions ??= []);
    setCondition(conds, { type: 'PodScheduled', status: 'True', lastProbeTime: null }, timestamp());
    return pod;
  });
}
