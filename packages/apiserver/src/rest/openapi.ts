// OpenAPI v3, as far as kubectl reads it: the root lists one document per group-version, and
// each document's operations carry `x-kubernetes-group-version-kind` and their query parameters.
// kubectl's default (strict) validation looks for the `fieldValidation` parameter on a kind's
// PATCH operation; finding it, it leaves validation to the server instead of downloading
// schemas. Objects are described loosely (`type: object`); field-level schemas for `kubectl
// explain` are not served yet.
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceInfo } from '@tinykube/api';
import { groupVersions } from './discovery';

const QUERY = ['fieldValidation', 'fieldManager', 'dryRun', 'pretty'];

function gvPath(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

function operation(r: ResourceInfo, action: string, params: string[]): Record<string, unknown> {
  const [group, version] = r.group ? [r.group, r.version] : ['', r.version];
  return {
    operationId: `${action}${r.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group, version, kind: r.kind },
    parameters: params.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(r)}` } } } } },
  };
}

function schemaName(r: ResourceInfo): string {
  return `io.k8s.api.${r.group ? r.group.split('.')[0] : 'core'}.${r.version}.${r.kind}`;
}

export function openapiDocument(gv: string): unknown | undefined {
  const rs = groupVersions().get(gv);
  if (!rs) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const r of rs) {
    const base = `/${gvPath(apiVersionOf(r))}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    paths[base] = { get: operation(r, 'list', ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion']), post: operation(r, 'post', QUERY) };
    paths[`${base}/{name}`] = { get: operation(r, 'get', []), put: operation(r, 'put', QUERY), patch: operation(r, 'patch', [...QUERY, 'force']), delete: operation(r, 'delete', ['gracePeriodSeconds', 'propagationPolicy', 'dryRun']) };
    schemas[schemaName(r)] = { type: 'object', description: `${r.kind} (tinykube serves ${apiVersionOf(r)} ${r.kind} in Kubernetes' shape)`, 'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: r.kind }] };
  }
  return { openapi: '3.0.0', info: { title: 'tinykube', version: 'v1.31.0' }, paths, components: { schemas } };
}

/** The root: where each group-version's document is, with a content hash as Kubernetes gives it. */
export function openapiRoot(): unknown {
  const paths: Record<string, unknown> = {};
  for (const gv of groupVersions().keys()) {
    const hash = createHash('sha512').update(JSON.stringify(openapiDocument(gv))).digest('hex').slice(0, 32).toUpperCase();
    paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=${hash}` };
  }
  return { paths };
}
