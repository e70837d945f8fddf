// Small builders for OpenAPI v3 schemas in the shape Kubernetes publishes them: a field that
// names another definition is `allOf: [{$ref}]` beside its own description, lists carry their
// merge key and list type, maps are `additionalProperties`. kubectl explain reads these shapes.
export type Schema = Record<string, unknown>;

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const CORE = 'io.k8s.api.core.v1.';
export const APPS = 'io.k8s.api.apps.v1.';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const TIME = `${META}Time`;
export const MICRO_TIME = `${META}MicroTime`;

/** Said of fields tinykube stores without acting on them. */
export const NOT_ACTED_ON = ' Accepted and stored; tinykube does not act on it.';

const refTo = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export function str(description: string, values?: readonly string[]): Schema {
  return values ? { type: 'string', description, enum: [...values] } : { type: 'string', description };
}

/** A port's protocol, as containers, Services and Endpoints name it. */
export function protocol(): Schema {
  return str('Default TCP.', ['SCTP', 'TCP', 'UDP']);
}

export function int32(description: string): Schema {
  return { type: 'integer', format: 'int32', description };
}

export function int64(description: string): Schema {
  return { type: 'integer', format: 'int64', description };
}

export function bool(description: string): Schema {
  return { type: 'boolean', description };
}

/** A field whose value is another definition. */
export function ref(name: string, description: string): Schema {
  return { description, default: {}, allOf: [refTo(name)] };
}

export interface ListOptions {
  /** Strategic merge patch key; makes the list a map list keyed by it. */
  mergeKey?: string;
  /** List-map keys when they differ from the merge key (e.g. containerPort + protocol). */
  mapKeys?: string[];
}

/** A list of another definition; atomic unless it has a merge key. */
export function list(name: string, description: string, opts: ListOptions = {}): Schema {
  const s: Schema = { type: 'array', description, items: { default: {}, allOf: [refTo(name)] } };
  if (opts.mergeKey) {
    s['x-kubernetes-patch-merge-key'] = opts.mergeKey;
    s['x-kubernetes-patch-strategy'] = 'merge';
    s['x-kubernetes-list-type'] = 'map';
    s['x-kubernetes-list-map-keys'] = opts.mapKeys ?? [opts.mergeKey];
  } else {
    s['x-kubernetes-list-type'] = 'atomic';
  }
  return s;
}

export function strings(description: string, listType: 'atomic' | 'set' = 'atomic'): Schema {
  return { type: 'array', description, items: { type: 'string', default: '' }, 'x-kubernetes-list-type': listType };
}

export function stringMap(description: string): Schema {
  return { type: 'object', description, additionalProperties: { type: 'string', default: '' } };
}

export function quantityMap(description: string): Schema {
  return { type: 'object', description, additionalProperties: refTo(QUANTITY) };
}

/** Any JSON, kept as given. */
export function freeForm(description: string): Schema {
  return { type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true };
}

/** A definition: an object with named fields. */
export function object(description: string, properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', description, properties, ...(required.length ? { required } : {}) };
}

const API_VERSION = str('The versioned schema of this representation of an object; the server rejects values it does not serve.');
const KIND = str('The REST resource this object represents, in CamelCase.');

/** A top-level kind: apiVersion, kind and metadata, then its own fields. */
export function kind(description: string, properties: Record<string, Schema>, required: string[] = []): Schema {
  return object(description, { apiVersion: API_VERSION, kind: KIND, metadata: ref(`${META}ObjectMeta`, "Standard object's metadata."), ...properties }, required);
}
