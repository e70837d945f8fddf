// The review APIs kubectl uses: SelfSubjectAccessReview (`kubectl auth can-i`),
// SubjectAccessReview and LocalSubjectAccessReview (the same question about someone else, for
// those allowed to ask), SelfSubjectRulesReview (`kubectl auth can-i --list`).
import { errors, isPlainObject, type NonResourceRule, type PolicyRule, type ResourceRule, type SelfSubjectRulesReview, type SubjectAccessReview } from '@tinykube/api';
import type { UserInfo } from '../authn/user';
import { resourceAttributes } from './attributes';
import type { Authorizer } from './authorizer';

export function reviewAccess(authorizer: Authorizer, caller: UserInfo, body: unknown, path: string): SubjectAccessReview {
  if (!isPlainObject(body) || !isPlainObject(body['spec'])) throw errors.badRequest('spec: Required value');
  const review = body as unknown as SubjectAccessReview;
  const spec = review.spec;
  const self = path.endsWith('selfsubjectaccessreviews');
  const local = /\/namespaces\/([^/]+)\/localsubjectaccessreviews$/.exec(path)?.[1];
  const user: UserInfo = self ? caller : { name: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}) };
  if (!self && !spec.user && !(spec.groups ?? []).length) throw errors.badRequest('spec.user: Invalid value: "": at least one of user or group must be specified');
  const ra = spec.resourceAttributes;
  const na = spec.nonResourceAttributes;
  if (!ra && !na) throw errors.badRequest('spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  if (local && ra && ra.namespace && ra.namespace !== local) throw errors.badRequest(`spec.resourceAttributes.namespace: Invalid value: "${ra.namespace}": must match metadata.namespace`);
  const a = ra
    ? resourceAttributes({ verb: ra.verb ?? '', group: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', namespace: local ?? ra.namespace ?? '', name: ra.name ?? '' })
    : { verb: na!.verb ?? '', resourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path: na!.path ?? '' };
  const d = authorizer.authorize(user, a);
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: self ? 'SelfSubjectAccessReview' : local ? 'LocalSubjectAccessReview' : 'SubjectAccessReview',
    metadata: { ...(review.metadata ?? {}), creationTimestamp: null as never },
    spec: self ? { ...spec, user: caller.name, groups: caller.groups } : spec,
    status: { allowed: d.decision === 'allow', ...(d.reason ? { reason: d.reason } : {}) },
  };
}

export function reviewRules(authorizer: Authorizer, caller: UserInfo, body: unknown): SelfSubjectRulesReview {
  const namespace = isPlainObject(body) && isPlainObject(body['spec']) && typeof body['spec']['namespace'] === 'string' ? body['spec']['namespace'] : '';
  const rules: PolicyRule[] = authorizer.rbac.grants(caller, namespace).flatMap((g) => g.rules);
  const resourceRules: ResourceRule[] = rules.filter((r) => !(r.nonResourceURLs ?? []).length).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules: NonResourceRule[] = rules.filter((r) => (r.nonResourceURLs ?? []).length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: { creationTimestamp: null as never }, spec: { namespace }, status: { resourceRules, nonResourceRules, incomplete: false } };
}
