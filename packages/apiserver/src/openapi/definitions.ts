// Every schema definition the apiserver publishes, and the subset one document needs.
import type { ResourceInfo } from '@tinykube/api';
import { ACCEPTED_FIELDS } from './accepted-fields';
import { APPS_SCHEMAS } from './apps-schemas';
import { BATCH_SCHEMAS } from './batch-schemas';
import { POLICY_SCHEMAS } from './policy-schemas';
import { QUOTA_SCHEMAS } from './quota-schemas';
import { DISCOVERY_SCHEMAS } from './discovery-schemas';
import { CERTIFICATES_SCHEMAS } from './certificates-schemas';
import { CONFIG_SCHEMAS } from './config-schemas';
import { CORE_SCHEMAS } from './core-schemas';
import { META_SCHEMAS } from './meta-schemas';
import { POD_SCHEMAS } from './pod-schemas';
import { RBAC_SCHEMAS } from './rbac-schemas';
import type { Schema } from './schema-builders';

/** The modelled definitions, each with the Kubernetes fields tinykube only stores added in. */
export const DEFINITIONS: Readonly<Record<string, Schema>> = withAccepted({ ...META_SCHEMAS, ...POD_SCHEMAS, ...CORE_SCHEMAS, ...CONFIG_SCHEMAS, ...APPS_SCHEMAS, ...BATCH_SCHEMAS, ...POLICY_SCHEMAS, ...QUOTA_SCHEMAS, ...DISCOVERY_SCHEMAS, ...CERTIFICATES_SCHEMAS, ...RBAC_SCHEMAS });

function withAccepted(defs: Record<string, Schema>): Record<string, Schema> {
  for (const [name, fields] of Object.entries(ACCEPTED_FIELDS)) {
    const def = defs[name];
    if (!def) throw new Error(`accepted fields for undefined definition ${name}`);
    const properties = def['properties'] as Record<string, Schema>;
    defs[name] = { ...def, properties: Object.fromEntries(Object.entries({ ...properties, ...fields }).sort(([a], [b]) => a.localeCompare(b))) };
  }
  return defs;
}

/** Kubernetes' definition name of a kind, e.g. io.k8s.api.apps.v1.Deployment. */
export function definitionName(group: string, version: string, kind: string): string {
  return `io.k8s.api.${group ? group.split('.')[0] : 'core'}.${version}.${kind}`;
}

export function kindDefinition(r: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): string {
  return definitionName(r.group, r.version, r.kind);
}

function refsOf(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) refsOf(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v.slice(v.lastIndexOf('/') + 1));
      else refsOf(v, out);
    }
  }
}

/** The named definitions and everything they refer to, transitively. Throws on a dangling name. */
export function closure(names: Iterable<string>): Map<string, Schema> {
  const found = new Map<string, Schema>();
  const todo = [...names];
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    if (found.has(name)) continue;
    const schema = DEFINITIONS[name];
    if (!schema) throw new Error(`OpenAPI definition ${name} is referred to but not defined`);
    found.set(name, schema);
    refsOf(schema, todo);
  }
  return found;
}

/** A schema with its reference followed (`allOf: [{$ref}]` or `$ref`); others as they are. */
export function resolveSchema(schema: Schema): Schema {
  const ref = ((schema['allOf'] as Schema[] | undefined)?.[0]?.['$ref'] ?? schema['$ref']) as string | undefined;
  return ref ? (DEFINITIONS[ref.slice(ref.lastIndexOf('/') + 1)] ?? {}) : schema;
}

/** The definition of an object's kind, from its apiVersion and kind. */
export function definitionOf(obj: unknown): string | undefined {
  const o = obj as { apiVersion?: unknown; kind?: unknown } | null;
  if (!o || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return undefined;
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return definitionName(group ?? '', version ?? '', o.kind);
}
