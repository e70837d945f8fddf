// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding.
import { META, kind, list, object, ref, str, strings, type Schema } from './schema-builders';

const RBAC = 'io.k8s.api.rbac.v1.';

const rules = list(`${RBAC}PolicyRule`, 'The rules of the role.');

export const RBAC_SCHEMAS: Record<string, Schema> = {
  [`${RBAC}PolicyRule`]: object('What a role grants: verbs on resources (of API groups, optionally by name), or on non-resource URLs.', {
    verbs: strings('Verbs granted: get, list, watch, create, update, patch, delete, deletecollection, or * (and bind, escalate, impersonate, approve).'),
    apiGroups: strings('API groups of the resources; "" is the core group, * any.'),
    resources: strings('Resources, with subresources as pods/log; * any, */scale any scale subresource.'),
    resourceNames: strings('Names of the objects; empty means all.'),
    nonResourceURLs: strings('Paths such as /healthz or /apis/*, ClusterRoles only.'),
  }, ['verbs']),
  [`${RBAC}AggregationRule`]: object('Which ClusterRoles are combined into this one.', {
    clusterRoleSelectors: list(`${META}LabelSelector`, 'ClusterRoles matching any selector contribute their rules.'),
  }),
  [`${RBAC}Role`]: kind('A namespaced set of permissions.', { rules }),
  [`${RBAC}ClusterRole`]: kind('A cluster-wide set of permissions, usable in any namespace by a RoleBinding.', {
    rules,
    aggregationRule: ref(`${RBAC}AggregationRule`, 'When set, the controller-manager keeps the rules as the union of the selected ClusterRoles.'),
  }),
  [`${RBAC}Subject`]: object('A user, group or ServiceAccount a binding grants to.', {
    kind: str('User, Group or ServiceAccount.', ['User', 'Group', 'ServiceAccount']),
    name: str('Name of the subject.'),
    namespace: str('Namespace of a ServiceAccount.'),
    apiGroup: str('"" for ServiceAccount, rbac.authorization.k8s.io for User and Group.'),
  }, ['kind', 'name']),
  [`${RBAC}RoleRef`]: object('The role granted.', {
    apiGroup: str('rbac.authorization.k8s.io.'),
    kind: str('Role or ClusterRole.'),
    name: str('Name of the role.'),
  }, ['apiGroup', 'kind', 'name']),
  [`${RBAC}RoleBinding`]: kind('Grants a Role or ClusterRole to subjects in one namespace.', {
    subjects: list(`${RBAC}Subject`, 'Who is granted.'),
    roleRef: ref(`${RBAC}RoleRef`, 'The role. Immutable.'),
  }, ['roleRef']),
  [`${RBAC}ClusterRoleBinding`]: kind('Grants a ClusterRole to subjects cluster-wide.', {
    subjects: list(`${RBAC}Subject`, 'Who is granted.'),
    roleRef: ref(`${RBAC}RoleRef`, 'The ClusterRole. Immutable.'),
  }, ['roleRef']),
};
