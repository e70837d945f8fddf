// Kubernetes' RBAC authorizer: a request is allowed when a rule of a role bound to the user
// covers it, through a ClusterRoleBinding (anywhere) or a RoleBinding of the request's namespace
// (its Role, or a ClusterRole applied to that namespace). Roles and bindings are read from the
// apiserver's own watch caches, indexed again only when one of them changes.
import { R, ruleAllows, subjectMatches, type Attributes, type ClusterRole, type ClusterRoleBinding, type PolicyRule, type Role, type RoleBinding } from '@tinykube/api';
import type { UserInfo } from '../authn/user';
import type { Registry } from '../registry';

export interface Decision {
  decision: 'allow' | 'deny' | 'none';
  reason: string;
}

interface Index {
  version: string;
  clusterRoles: Map<string, ClusterRole>;
  roles: Map<string, Role>;
  clusterBindings: ClusterRoleBinding[];
  bindings: Map<string, RoleBinding[]>;
}

export class RbacAuthorizer {
  private index?: Index;

  constructor(private readonly registry: Registry) {}

  private current(): Index {
    const caches = [R.clusterroles, R.roles, R.clusterrolebindings, R.rolebindings].map((r) => this.registry.cache(r));
    const version = caches.map((c) => c.resourceVersion).join(',');
    if (this.index?.version === version) return this.index;
    const [clusterRoles, roles, clusterBindings, bindings] = caches.map((c) => [...c.items()]) as [ClusterRole[], Role[], ClusterRoleBinding[], RoleBinding[]];
    const byNs = new Map<string, RoleBinding[]>();
    for (const b of bindings) byNs.set(b.metadata.namespace ?? '', [...(byNs.get(b.metadata.namespace ?? '') ?? []), b]);
    this.index = {
      version,
      clusterRoles: new Map(clusterRoles.map((r) => [r.metadata.name ?? '', r])),
      roles: new Map(roles.map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r])),
      clusterBindings,
      bindings: byNs,
    };
    return this.index;
  }

  /** Every grant that applies to the user in `namespace` ('' for cluster-wide grants only), with where it comes from. */
  grants(user: UserInfo, namespace: string): { rules: PolicyRule[]; via: string }[] {
    const ix = this.current();
    const out: { rules: PolicyRule[]; via: string }[] = [];
    for (const b of ix.clusterBindings) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user))) continue;
      const role = b.roleRef?.kind === 'ClusterRole' ? ix.clusterRoles.get(b.roleRef.name) : undefined;
      if (role) out.push({ rules: role.rules ?? [], via: `ClusterRoleBinding "${b.metadata.name}" of ClusterRole "${role.metadata.name}"` });
    }
    if (namespace) {
      for (const b of ix.bindings.get(namespace) ?? []) {
        if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
        const role = b.roleRef?.kind === 'Role' ? ix.roles.get(`${namespace}/${b.roleRef.name}`) : b.roleRef?.kind === 'ClusterRole' ? ix.clusterRoles.get(b.roleRef.name) : undefined;
        if (role) out.push({ rules: role.rules ?? [], via: `RoleBinding "${b.metadata.name}/${namespace}" of ${b.roleRef.kind} "${role.metadata.name}"` });
      }
    }
    return out;
  }

  roleRules(kind: 'Role' | 'ClusterRole', namespace: string, name: string): PolicyRule[] | undefined {
    const ix = this.current();
    const role = kind === 'Role' ? ix.roles.get(`${namespace}/${name}`) : ix.clusterRoles.get(name);
    return role && (role.rules ?? []);
  }

  authorize(user: UserInfo, a: Attributes): Decision {
    for (const g of this.grants(user, a.resourceRequest ? a.namespace : '')) {
      if (g.rules.some((r) => ruleAllows(r, a))) return { decision: 'allow', reason: `RBAC: allowed by ${g.via} to User "${user.name}"` };
    }
    return { decision: 'none', reason: '' };
  }
}
