// Unknown-field detection against the published schemas, as Kubernetes' strict decoding does
// it: a field no schema declares is reported by its path (spec.template.spec.containers[0].imagee)
// and, unless the request is refused, dropped. Free-form fields (x-kubernetes-preserve-unknown-
// fields) are kept whole.
import { isPlainObject } from '@tinykube/api';
import { DEFINITIONS, resolveSchema as resolve } from './definitions';
import type { Schema } from './schema-builders';

function walk(value: unknown, schema: Schema, path: string, found: string[], prune: boolean): void {
  const s = resolve(schema);
  if (s['x-kubernetes-preserve-unknown-fields']) return;
  const properties = s['properties'] as Record<string, Schema> | undefined;
  if (properties && isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      const field = properties[key];
      if (field) {
        walk(v, field, at, found, prune);
      } else {
        found.push(at);
        if (prune) delete value[key];
      }
    }
  } else if (s['additionalProperties'] && isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) walk(v, s['additionalProperties'] as Schema, `${path}.${key}`, found, prune);
  } else if (s['items'] && Array.isArray(value)) {
    value.forEach((v, i) => walk(v, s['items'] as Schema, `${path}[${i}]`, found, prune));
  }
}

/** Paths of the fields of `obj` that definition `name` does not declare; removed when `prune`. */
export function unknownFields(obj: unknown, name: string, prune: boolean): string[] {
  const schema = DEFINITIONS[name];
  if (!schema) return [];
  const found: string[] = [];
  walk(obj, schema, '', found, prune);
  return found;
}
