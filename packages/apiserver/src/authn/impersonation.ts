// Kubernetes' impersonation (kubectl --as, --as-group, --as-uid): a caller allowed to
// `impersonate` users, groups, serviceaccounts, uids and userextras/<key> acts as the user the
// Impersonate-* headers name; every name is checked before the request runs as that user.
import type { IncomingHttpHeaders } from 'node:http';
import type { Attributes } from '@tinykube/api';
import type { UserInfo } from './user';

/** The impersonated user, or undefined when the request asks for none. `check` throws when the caller may not. */
export function impersonatedUser(headers: IncomingHttpHeaders, check: (a: Attributes) => void): UserInfo | undefined {
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  const name = list(headers['impersonate-user'])[0];
  const groups = list(headers['impersonate-group']);
  const uid = list(headers['impersonate-uid'])[0];
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (k.startsWith('impersonate-extra-')) extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = list(v);
  if (!name) {
    if (groups.length || uid || Object.keys(extra).length) throw Object.assign(new Error('requested impersonation without a user'), { badRequest: true });
    return undefined;
  }
  const at = (resource: string, n: string, namespace = '', apiGroup = ''): Attributes => ({ verb: 'impersonate', resourceRequest: true, apiGroup, resource, subresource: '', namespace, name: n, path: '' });
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
  check(sa ? at('serviceaccounts', sa[2]!, sa[1]!) : at('users', name));
  for (const g of groups) check(at('groups', g));
  if (uid) check(at('uids', uid, '', 'authentication.k8s.io'));
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) check({ ...at('userextras', v, '', 'authentication.k8s.io'), subresource: k });
  const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
  const all = [...new Set([...(groups.length ? groups : implied), ...(name === 'system:anonymous' ? ['system:unauthenticated'] : ['system:authenticated'])])];
  return { name, groups: all, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
