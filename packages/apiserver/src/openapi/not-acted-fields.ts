// Fields tinykube stores but does not act on, read from the published schemas (their
// descriptions end with NOT_ACTED_ON): a write that sets one is answered with a Warning naming
// it (`spec.containers[0].stdinOnce: not acted on by tinykube`), and the README's list is made
// from the same schemas, so the two cannot drift apart.
import { isPlainObject } from '@tinykube/api';
import { DEFINITIONS, resolveSchema as resolve } from './definitions';
import { NOT_ACTED_ON, type Schema } from './schema-builders';

function notActed(field: Schema): boolean {
  return typeof field['description'] === 'string' && field['description'].endsWith(NOT_ACTED_ON);
}

/** Unset in effect: absent, null, false, '' or empty. */
function blank(v: unknown): boolean {
  return v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);
}

function walk(value: unknown, schema: Schema, path: string, found: string[]): void {
  const s = resolve(schema);
  if (s['x-kubernetes-preserve-unknown-fields']) return;
  const properties = s['properties'] as Record<string, Schema> | undefined;
  if (properties && isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      const field = properties[key];
      if (!field || blank(v)) continue;
      const at = path ? `${path}.${key}` : key;
      if (notActed(field)) found.push(at);
      else walk(v, field, at, found);
    }
  } else if (s['additionalProperties'] && isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) walk(v, s['additionalProperties'] as Schema, `${path}.${key}`, found);
  } else if (s['items'] && Array.isArray(value)) {
    value.forEach((v, i) => walk(v, s['items'] as Schema, `${path}[${i}]`, found));
  }
}

/** Paths of the fields `obj` sets that tinykube does not act on; `status` is the system's own and not looked at. */
export function notActedFields(obj: unknown, definition: string): string[] {
  const schema = DEFINITIONS[definition];
  if (!schema || !isPlainObject(obj)) return [];
  const { status: _status, ...rest } = obj;
  const found: string[] = [];
  walk(rest, schema, '', found);
  return found;
}

/** Every such field of a definition, as `spec.containers[].stdinOnce`, for the README. */
export function notActedPaths(definition: string): string[] {
  const out: string[] = [];
  const visit = (schema: Schema, path: string, seen: Set<string>): void => {
    const ref = ((schema['allOf'] as Schema[] | undefined)?.[0]?.['$ref'] ?? schema['$ref']) as string | undefined;
    const name = ref?.slice(ref.lastIndexOf('/') + 1);
    if (name && seen.has(name)) return;
    const inner = name ? new Set([...seen, name]) : seen;
    const s = resolve(schema);
    for (const [key, field] of Object.entries((s['properties'] as Record<string, Schema> | undefined) ?? {})) {
      if (!path && key === 'status') continue;
      const at = path ? `${path}.${key}` : key;
      if (notActed(field)) out.push(at);
      else visit(field, at, inner);
    }
    if (s['items']) visit(s['items'] as Schema, `${path}[]`, inner);
    if (s['additionalProperties'] && typeof s['additionalProperties'] === 'object') visit(s['additionalProperties'] as Schema, `${path}.*`, inner);
  };
  const root = DEFINITIONS[definition];
  if (root) visit(root, '', new Set([definition]));
  return out;
}

/** The README's list: per definition (Container, PodSpec, ...), the fields tinykube stores without acting on them. */
export function notActedMarkdown(): string {
  const lines: string[] = [];
  for (const name of Object.keys(DEFINITIONS).sort((a, b) => short(a).localeCompare(short(b)))) {
    const properties = (DEFINITIONS[name]!['properties'] as Record<string, Schema> | undefined) ?? {};
    const fields = Object.keys(properties).filter((k) => notActed(properties[k]!)).sort();
    if (fields.length) lines.push(`- **${short(name)}**: ${fields.map((f) => `\`${f}\``).join(', ')}`);
  }
  return lines.join('\n');
}

function short(definition: string): string {
  return definition.slice(definition.lastIndexOf('.') + 1);
}
