// OpenAPI v3 as kubectl reads it: the root lists one document per group-version; each document
// has the operations (with `x-kubernetes-group-version-kind` and query parameters) and the
// schemas of its kinds. kubectl's default strict validation looks for the `fieldValidation`
// parameter on a kind's PATCH operation and, finding it, leaves validation to the server;
// `kubectl explain` walks the schemas from the one whose group-version-kind it was asked for.
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceInfo } from '@tinykube/api';
import { groupVersions } from '../rest/discovery';
import { closure, definitionName, kindDefinition } from './definitions';
import type { Schema } from './schema-builders';

const QUERY = ['fieldValidation', 'fieldManager', 'dryRun', 'pretty'];
const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

function gvPath(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

type Gvk = { group: string; version: string; kind: string };

/** Request bodies by action: kubectl computes strategic merge patches from the schemas only for kinds whose PATCH accepts them. */
const BODY_TYPES: Record<string, string[]> = {
  post: ['application/json', 'application/yaml'],
  put: ['application/json', 'application/yaml'],
  patch: ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'],
};

function operation(gvk: Gvk, action: string, params: string[]): Schema {
  const ref = { $ref: `#/components/schemas/${definitionName(gvk.group, gvk.version, gvk.kind)}` };
  const bodyTypes = BODY_TYPES[action];
  return {
    operationId: `${action}${gvk.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    parameters: params.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
    ...(bodyTypes ? { requestBody: { required: true, content: Object.fromEntries(bodyTypes.map((t) => [t, { schema: action === 'patch' ? { type: 'object' } : ref }])) } } : {}),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
  };
}

function gvkOf(r: ResourceInfo): Gvk {
  return { group: r.group, version: r.version, kind: r.kind };
}

function build(rs: ResourceInfo[]): Schema {
  const paths: Record<string, unknown> = {};
  const kinds = new Map<string, Gvk>();
  for (const r of rs) {
    const gvk = gvkOf(r);
    const base = `/${gvPath(apiVersionOf(r))}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    paths[base] = { get: operation(gvk, 'list', ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion']), post: operation(gvk, 'post', QUERY) };
    paths[`${base}/{name}`] = { get: operation(gvk, 'get', []), put: operation(gvk, 'put', QUERY), patch: operation(gvk, 'patch', [...QUERY, 'force']), delete: operation(gvk, 'delete', ['gracePeriodSeconds', 'propagationPolicy', 'dryRun']) };
    if (r.hasStatus) paths[`${base}/{name}/status`] = { get: operation(gvk, 'get', []), put: operation(gvk, 'put', QUERY), patch: operation(gvk, 'patch', [...QUERY, 'force']) };
    if (r.hasScale) {
      paths[`${base}/{name}/scale`] = { get: operation(SCALE, 'get', []), put: operation(SCALE, 'put', QUERY), patch: operation(SCALE, 'patch', [...QUERY, 'force']) };
      kinds.set(kindDefinition(SCALE), SCALE);
    }
    if (r.kind === 'Pod') {
      const binding = { group: '', version: 'v1', kind: 'Binding' };
      paths[`${base}/{name}/binding`] = { post: operation(binding, 'post', QUERY) };
      kinds.set(kindDefinition(binding), binding);
    }
    kinds.set(kindDefinition(r), gvk);
  }
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of [...closure(kinds.keys())].sort(([a], [b]) => a.localeCompare(b))) {
    const gvk = kinds.get(name);
    schemas[name] = gvk ? { ...schema, 'x-kubernetes-group-version-kind': [gvk] } : schema;
  }
  return { openapi: '3.0.0', info: { title: 'tinykube', version: 'v1.31.0' }, paths, components: { schemas } };
}

interface Published {
  document: Schema;
  hash: string;
}

let published: Map<string, Published> | undefined;

/** The documents never change while the process runs: built once, with their hashes. */
function documents(): Map<string, Published> {
  if (!published) {
    published = new Map();
    for (const [gv, rs] of groupVersions()) {
      const document = build(rs);
      const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 32).toUpperCase();
      published.set(gv, { document, hash });
    }
  }
  return published;
}

export function openapiDocument(gv: string): unknown | undefined {
  return documents().get(gv)?.document;
}

/** The root: where each group-version's document is, with a content hash as Kubernetes gives it. */
export function openapiRoot(): unknown {
  const paths: Record<string, unknown> = {};
  for (const [gv, { hash }] of documents()) paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=${hash}` };
  return { paths };
}
