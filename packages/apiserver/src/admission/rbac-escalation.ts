// RBAC's escalation prevention, as Kubernetes' role and binding storage: a user may create or
// change a Role or ClusterRole only with rules it holds itself (in that namespace, or cluster-wide
// for a ClusterRole) unless it may `escalate` it, and a binding only to a role whose rules it holds
// unless it may `bind` that role. system:masters and the apiserver's own writes are exempt.
import { coversRule, errors, qualifiedResource, RBAC_GROUP, type Attributes as AuthzAttributes, type ClusterRole, type PolicyRule, type RoleBinding } from '@tinykube/api';
import type { UserInfo } from '../authn/user';
import type { AdmissionPlugin, Attributes } from './admission';

export interface RbacPolicyView {
  /** Whether an authorizer allows the request. */
  allows(user: UserInfo, a: AuthzAttributes): boolean;
  /** The rules the user holds in a namespace ('' for cluster-wide only). */
  rulesOf(user: UserInfo, namespace: string): PolicyRule[];
  /** The rules of a role, or undefined when it does not exist. */
  roleRules(kind: 'Role' | 'ClusterRole', namespace: string, name: string): PolicyRule[] | undefined;
}

const describe = (r: PolicyRule): string =>
  r.nonResourceURLs?.length
    ? `{NonResourceURLs:[${r.nonResourceURLs.map((u) => JSON.stringify(u)).join(' ')}], Verbs:[${r.verbs.map((v) => JSON.stringify(v)).join(' ')}]}`
    : `{APIGroups:[${(r.apiGroups ?? []).map((g) => JSON.stringify(g)).join(' ')}], Resources:[${(r.resources ?? []).map((x) => JSON.stringify(x)).join(' ')}]${r.resourceNames?.length ? `, ResourceNames:[${r.resourceNames.map((n) => JSON.stringify(n)).join(' ')}]` : ''}, Verbs:[${r.verbs.map((v) => JSON.stringify(v)).join(' ')}]}`;

export class RbacEscalation implements AdmissionPlugin {
  readonly name = 'RBACEscalation';

  constructor(private readonly view: () => RbacPolicyView | undefined) {}

  validate(a: Attributes): void {
    if (a.resource.group !== RBAC_GROUP || a.operation === 'DELETE' || !a.object || !a.user) return;
    const user = a.user;
    if (user.groups.includes('system:masters')) return;
    const view = this.view();
    if (!view) return;
    const namespace = a.namespace ?? '';
    const attrs = (verb: string, resource: string, name: string, ns: string): AuthzAttributes => ({ verb, resourceRequest: true, apiGroup: RBAC_GROUP, resource, subresource: '', namespace: ns, name, path: '' });
    let wanted: PolicyRule[];
    if (a.resource.kind === 'Role' || a.resource.kind === 'ClusterRole') {
      if (view.allows(user, attrs('escalate', a.resource.plural, a.name, namespace))) return;
      const role = a.object as ClusterRole;
      // An aggregated role's rules are the aggregation controller's to fill.
      wanted = role.aggregationRule ? [] : (role.rules ?? []);
    } else {
      const ref = (a.object as RoleBinding).roleRef;
      if (!ref) return;
      const roleNs = ref.kind === 'Role' ? namespace : '';
      if (view.allows(user, attrs('bind', ref.kind === 'Role' ? 'roles' : 'clusterroles', ref.name, namespace))) return;
      const rules = view.roleRules(ref.kind, roleNs, ref.name);
      if (!rules) throw errors.notFound(ref.kind === 'Role' ? 'roles.rbac.authorization.k8s.io' : 'clusterroles.rbac.authorization.k8s.io', ref.name);
      wanted = rules;
    }
    const held = view.rulesOf(user, a.resource.kind === 'ClusterRole' || a.resource.kind === 'ClusterRoleBinding' ? '' : namespace);
    const missing = wanted.filter((r) => !coversRule(held, r));
    if (!missing.length) return;
    throw errors.forbidden(
      `${qualifiedResource(a.resource)} "${a.name}" is forbidden: user "${user.name}" (groups=[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]) is attempting to grant RBAC permissions not currently held:\n${missing.map(describe).join('\n')}`,
    );
  }
}
