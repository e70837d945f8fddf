// Kubernetes' Node authorizer: a kubelet (system:node:<name> in system:nodes) may do what the
// system:node role says, except that Secrets, ConfigMaps, PersistentVolumeClaims and
// ServiceAccount tokens are only for the pods bound to its node: it gets one only when such a pod
// names it. Which Node, Lease and pod status it may change is NodeRestriction's (admission).
import { R, podReferences, ruleAllows, type Attributes, type Pod, type PolicyRule } from '@tinykube/api';
import type { UserInfo } from '../authn/user';
import type { Registry } from '../registry';
import { SYSTEM_NODE_RULES } from './bootstrap-policy';
import type { Decision } from './rbac-authorizer';

/** The node a user is, when it is a kubelet's identity. */
export function nodeNameOf(user: UserInfo): string | undefined {
  return user.groups.includes('system:nodes') && user.name.startsWith('system:node:') ? user.name.slice('system:node:'.length) || undefined : undefined;
}

const GRAPH: Record<string, 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts'> = {
  secrets: 'secrets',
  configmaps: 'configmaps',
  persistentvolumeclaims: 'persistentvolumeclaims',
};

export class NodeAuthorizer {
  constructor(
    private readonly registry: Registry,
    private readonly rules: PolicyRule[] = SYSTEM_NODE_RULES,
  ) {}

  authorize(user: UserInfo, a: Attributes): Decision {
    const node = nodeNameOf(user);
    if (!node) return { decision: 'none', reason: '' };
    if (a.resourceRequest && a.apiGroup === '') {
      const kind = a.resource === 'serviceaccounts' && a.subresource === 'token' ? 'serviceaccounts' : !a.subresource ? GRAPH[a.resource] : undefined;
      if (kind) {
        // tinykube's kubelet binds the node-local claims of its own pods (a patch), which Kubernetes' volume binder does.
        const verbs = kind === 'persistentvolumeclaims' ? ['get', 'patch'] : ['get'];
        if (kind !== 'serviceaccounts' && !verbs.includes(a.verb)) return { decision: 'none', reason: `can only get individual resources of this type` };
        if (kind === 'serviceaccounts' && a.verb !== 'create') return { decision: 'none', reason: 'can only create tokens for individual service accounts' };
        return this.related(node, kind, a.namespace, a.name) ? { decision: 'allow', reason: '' } : { decision: 'none', reason: `no relationship found between node '${node}' and this object` };
      }
    }
    return this.rules.some((r) => ruleAllows(r, a)) ? { decision: 'allow', reason: '' } : { decision: 'none', reason: '' };
  }

  private related(node: string, kind: 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts', namespace: string, name: string): boolean {
    if (!name || !namespace) return false;
    for (const o of this.registry.cache(R.pods).items()) {
      const pod = o as Pod;
      if (pod.spec?.nodeName === node && pod.metadata.namespace === namespace && podReferences(pod, kind).includes(name)) return true;
    }
    return false;
  }
}
