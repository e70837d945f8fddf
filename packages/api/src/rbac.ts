// rbac.authorization.k8s.io/v1 and the authorization.k8s.io/v1 reviews, and the rule matching
// Kubernetes' RBAC authorizer does (verbs, API groups, resources with subresources, resource
// names, non-resource URLs, `*`).
import type { KubeObject, LabelSelector, ObjectMeta } from './meta';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

export interface Role extends KubeObject {
  kind: 'Role';
  rules?: PolicyRule[];
}

export interface ClusterRole extends KubeObject {
  kind: 'ClusterRole';
  rules?: PolicyRule[];
  aggregationRule?: AggregationRule;
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface RoleBinding extends KubeObject {
  kind: 'RoleBinding';
  subjects?: Subject[];
  roleRef: RoleRef;
}

export interface ClusterRoleBinding extends KubeObject {
  kind: 'ClusterRoleBinding';
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** What a request asks to do, as Kubernetes' authorizer.Attributes. */
export interface ResourceAttributes {
  namespace?: string;
  verb: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceAttributes {
  path: string;
  verb: string;
}

export interface SubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface SubjectAccessReview {
  apiVersion: 'authorization.k8s.io/v1';
  kind: 'SubjectAccessReview' | 'SelfSubjectAccessReview' | 'LocalSubjectAccessReview';
  metadata?: ObjectMeta;
  spec: SubjectAccessReviewSpec;
  status?: { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface SelfSubjectRulesReview {
  apiVersion: 'authorization.k8s.io/v1';
  kind: 'SelfSubjectRulesReview';
  metadata?: ObjectMeta;
  spec: { namespace?: string };
  status?: { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string };
}

/** One request's attributes for the authorizers. */
export interface Attributes {
  verb: string;
  /** A resource request (else a non-resource path). */
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

const has = (list: string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v));

/** Whether the rule covers a resource request (Kubernetes' RuleAllows). */
export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!a.resourceRequest) {
    if (!has(rule.verbs, a.verb)) return false;
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resourceOk = resources.some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

/** Whether `held` rules cover every request `wanted` grants (Kubernetes' escalation check, rule by rule). */
export function coversRule(held: PolicyRule[], wanted: PolicyRule): boolean {
  const verbs = wanted.verbs ?? [];
  if (wanted.nonResourceURLs?.length) {
    return wanted.nonResourceURLs.every((path) => verbs.every((verb) => held.some((h) => (h.nonResourceURLs ?? []).length > 0 && has(h.verbs, verb) && (h.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1)))))));
  }
  const groups = wanted.apiGroups ?? [];
  const resources = wanted.resources ?? [];
  const names = wanted.resourceNames?.length ? wanted.resourceNames : [''];
  return verbs.every((verb) =>
    groups.every((group) =>
      resources.every((resource) =>
        names.every((name) =>
          held.some((h) => {
            if (!has(h.verbs, verb) || !has(h.apiGroups, group)) return false;
            const hr = h.resources ?? [];
            const sub = resource.split('/')[1];
            const resourceOk = hr.includes('*') || hr.includes(resource) || (sub !== undefined && hr.includes(`*/${sub}`));
            if (!resourceOk) return false;
            const hn = h.resourceNames ?? [];
            return hn.length === 0 || (name !== '' && hn.includes(name));
          }),
        ),
      ),
    ),
  );
}

/** Whether a binding's subject is this user (Kubernetes' appliesTo). */
export function subjectMatches(s: Subject, user: { name: string; groups: string[] }, bindingNamespace?: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace || bindingNamespace || ''}:${s.name}`;
    default:
      return false;
  }
}
