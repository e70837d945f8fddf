// What a request asks to do, read from its method and path as Kubernetes' RequestInfoFactory
// does (before the resource is known to exist), for the authorizers.
import type { Attributes } from '@tinykube/api';

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestAttributes(method: string, path: string, query: URLSearchParams): Attributes {
  const segs = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  const nonResource = (): Attributes => ({ verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase(), resourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path });
  let apiGroup = '';
  let parts: string[];
  if (segs[0] === 'api' && segs.length >= 3) parts = segs.slice(2);
  else if (segs[0] === 'apis' && segs.length >= 4) {
    apiGroup = segs[1]!;
    parts = segs.slice(3);
  } else return nonResource();
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1]!;
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  const name = parts[1] ?? '';
  const subresource = parts[2] ?? '';
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watch ? 'watch' : name ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  return { verb, resourceRequest: true, apiGroup, resource, subresource, namespace, name, path };
}

/** Attributes of a resource request made another way (gRPC, a review). */
export function resourceAttributes(a: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }): Attributes {
  return { verb: a.verb, resourceRequest: true, apiGroup: a.group ?? '', resource: a.resource, subresource: a.subresource ?? '', namespace: a.namespace ?? '', name: a.name ?? '', path: '' };
}

/** Kubernetes' words for a refusal, after `User "x" cannot ...`. */
export function forbiddenMessage(user: string, a: Attributes, reason = ''): string {
  const tail = reason ? `: ${reason}` : '';
  if (!a.resourceRequest) return `forbidden: User "${user}" cannot ${a.verb} path "${a.path}"${tail}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}${tail}`;
}
