// Kubernetes' NodeRestriction: a kubelet (system:node:<name>) changes only its own Node and
// Lease, the status of pods bound to it, deletes only those pods, creates no pods (tinykube has
// no mirror pods), and sets no node-restriction.kubernetes.io/ labels on its Node.
import { errors, qualifiedResource, type Node, type Pod } from '@tinykube/api';
import { nodeNameOf } from '../authz/node-authorizer';
import type { AdmissionPlugin, Attributes } from './admission';

const RESTRICTED_LABEL = 'node-restriction.kubernetes.io/';

function forbidden(a: Attributes, message: string): Error {
  return errors.forbidden(`${qualifiedResource(a.resource)} "${a.name}" is forbidden: ${message}`);
}

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  validate(a: Attributes): void {
    const node = a.user && nodeNameOf(a.user);
    if (!node) return;
    switch (a.resource.plural) {
      case 'nodes': {
        if (a.name !== node) throw forbidden(a, `node "${node}" is not allowed to modify node "${a.name}"`);
        const next = (a.object as Node | undefined)?.metadata.labels ?? {};
        const prev = (a.oldObject as Node | undefined)?.metadata.labels ?? {};
        const touched = [...new Set([...Object.keys(next), ...Object.keys(prev)])].filter((k) => k.startsWith(RESTRICTED_LABEL) && next[k] !== prev[k]).sort();
        if (touched.length) throw forbidden(a, a.operation === 'CREATE' ? `node "${node}" is not allowed to set the following labels: ${touched.join(', ')}` : `node "${node}" is not allowed to modify labels: ${touched.join(', ')}`);
        return;
      }
      case 'pods': {
        const pod = (a.oldObject ?? a.object) as Pod | undefined;
        if (a.operation === 'CREATE' && !a.subresource) {
          if (!pod?.metadata.annotations?.['kubernetes.io/config.mirror']) throw forbidden(a, `pod does not have "kubernetes.io/config.mirror" annotation, node "${node}" can only create mirror pods`);
          return;
        }
        if (a.operation === 'UPDATE' && a.subresource === 'status' && pod?.spec?.nodeName !== node) throw forbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        if (a.operation === 'UPDATE' && !a.subresource) throw forbidden(a, `node "${node}" can only update pod status`);
        if (a.operation === 'DELETE' && pod?.spec?.nodeName !== node) throw forbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
        return;
      }
      case 'leases':
        if (a.resource.group === 'coordination.k8s.io' && (a.namespace !== 'kube-node-lease' || a.name !== node)) throw forbidden(a, 'can only access node lease with the same name as the requesting node');
        return;
      default:
    }
  }
}
