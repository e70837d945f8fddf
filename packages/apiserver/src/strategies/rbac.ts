// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding: Kubernetes'
// validation (a rule is for resources or for non-resource URLs, never both; namespaced roles name
// no URLs; a binding's roleRef is immutable), subject defaulting, and kubectl's columns.
import { RBAC_GROUP, type ClusterRoleBinding, type Errs, type KubeObject, type PolicyRule, type RoleBinding, type Subject } from '@tinykube/api';
import { age, ageCol, nameCol } from '../rest/table';
import { strategy } from './strategy';

function validateRules(e: Errs, rules: unknown, namespaced: boolean): void {
  if (rules === undefined || rules === null) return;
  if (!Array.isArray(rules)) return e.invalid('rules', rules, 'must be a list of rules');
  (rules as PolicyRule[]).forEach((r, i) => {
    const f = `rules[${i}]`;
    if (!r || typeof r !== 'object') return e.invalid(f, r, 'must be an object');
    if (!Array.isArray(r.verbs) || r.verbs.length === 0) e.required(`${f}.verbs`, 'verbs must contain at least one value');
    const urls = r.nonResourceURLs ?? [];
    if (urls.length > 0) {
      if (namespaced) e.invalid(`${f}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs');
      if ((r.apiGroups ?? []).length > 0 || (r.resources ?? []).length > 0 || (r.resourceNames ?? []).length > 0) e.invalid(`${f}.nonResourceURLs`, urls, 'rules can apply to API resources or non-resource URLs, but not both');
      return;
    }
    if ((r.apiGroups ?? []).length === 0) e.required(`${f}.apiGroups`, 'resource rules must supply at least one api group');
    if ((r.resources ?? []).length === 0) e.required(`${f}.resources`, 'resource rules must supply at least one resource');
  });
}

function defaultSubjects(b: RoleBinding | ClusterRoleBinding): void {
  for (const s of b.subjects ?? []) {
    if (s && typeof s === 'object' && s.apiGroup === undefined) s.apiGroup = s.kind === 'ServiceAccount' ? '' : RBAC_GROUP;
  }
}

function validateBinding(e: Errs, b: RoleBinding | ClusterRoleBinding, cluster: boolean): void {
  const ref = b.roleRef;
  if (!ref || typeof ref !== 'object') return e.required('roleRef');
  if (ref.apiGroup !== RBAC_GROUP) e.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]);
  const kinds = cluster ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref.kind)) e.notSupported('roleRef.kind', ref.kind ?? '', kinds);
  if (!ref.name) e.required('roleRef.name');
  (b.subjects ?? []).forEach((s: Subject, i) => {
    const f = `subjects[${i}]`;
    if (!s || typeof s !== 'object') return e.invalid(f, s, 'must be an object');
    if (!s.name) e.required(`${f}.name`);
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.apiGroup !== '') e.notSupported(`${f}.apiGroup`, s.apiGroup, ['']);
        if (cluster && !s.namespace) e.required(`${f}.namespace`);
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) e.notSupported(`${f}.apiGroup`, s.apiGroup, [RBAC_GROUP]);
        break;
      default:
        e.notSupported(`${f}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']);
    }
  });
}

const createdAt: [string, string, number, string] = ['Created At', 'date', 0, 'When the role was made.'];

const rolePrinter = {
  columns: [nameCol, createdAt],
  cells: (o: KubeObject) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

const names = (b: RoleBinding | ClusterRoleBinding, kind: Subject['kind']): string =>
  (b.subjects ?? [])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');

const bindingPrinter = {
  columns: [nameCol, ['Role', 'string', 0, 'The role granted.'] as [string, string, number, string], ageCol, ['Users', 'string', 1, 'Users bound.'] as [string, string, number, string], ['Groups', 'string', 1, 'Groups bound.'] as [string, string, number, string], ['ServiceAccounts', 'string', 1, 'ServiceAccounts bound.'] as [string, string, number, string]],
  cells: (o: KubeObject) => {
    const b = o as RoleBinding;
    return [b.metadata.name, `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, age(b.metadata.creationTimestamp), names(b, 'User'), names(b, 'Group'), names(b, 'ServiceAccount')];
  },
};

const immutableRoleRef = (e: Errs, next: RoleBinding | ClusterRoleBinding, prev: RoleBinding | ClusterRoleBinding): void => {
  if (JSON.stringify(next.roleRef) !== JSON.stringify(prev.roleRef)) e.invalid('roleRef', next.roleRef, 'cannot change roleRef');
};

export const roleStrategy = strategy<KubeObject & { rules?: PolicyRule[] }>({ nameRule: 'path', validate: (e, r) => validateRules(e, r.rules, true), printer: rolePrinter });
export const clusterRoleStrategy = strategy<KubeObject & { rules?: PolicyRule[] }>({ nameRule: 'path', validate: (e, r) => validateRules(e, r.rules, false), printer: rolePrinter });
export const roleBindingStrategy = strategy<RoleBinding>({ nameRule: 'path', defaults: defaultSubjects, validate: (e, b) => validateBinding(e, b, false), validateUpdate: immutableRoleRef, printer: bindingPrinter });
export const clusterRoleBindingStrategy = strategy<ClusterRoleBinding>({ nameRule: 'path', defaults: defaultSubjects, validate: (e, b) => validateBinding(e, b, true), validateUpdate: immutableRoleRef, printer: bindingPrinter });
