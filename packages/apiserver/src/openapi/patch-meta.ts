// How strategic merge patch and server-side apply treat a list, read from the published schemas
// (x-kubernetes-patch-merge-key and list types), so kubectl, which reads the same schemas to
// compute its patches, and the server agree.
import { DEFINITIONS, resolveSchema } from './definitions';
import type { Schema } from './schema-builders';

export interface PatchMeta {
  /** Items are merged by this key (containers by name, ports by containerPort). */
  mergeKey?: string;
  /** A list of scalars merged as a set (finalizers). */
  set?: boolean;
}

/** The field's schema at `names` (field names only; lists are stepped through) under `root`. */
function fieldSchema(root: string, names: readonly string[]): Schema | undefined {
  let s: Schema | undefined = DEFINITIONS[root];
  for (const name of names) {
    if (!s) return undefined;
    s = resolveSchema(s);
    if (s['items']) s = resolveSchema(s['items'] as Schema);
    s = (s['properties'] as Record<string, Schema> | undefined)?.[name];
  }
  return s;
}

/** Patch metadata of the list at `names`; a list the schemas say nothing of is atomic. */
export function patchMeta(root: string | undefined, names: readonly string[]): PatchMeta {
  const s = root ? fieldSchema(root, names) : undefined;
  if (!s || s['type'] !== 'array') return {};
  const key = s['x-kubernetes-patch-merge-key'] as string | undefined;
  if (key) return { mergeKey: key };
  const items = s['items'] as Schema | undefined;
  const scalar = items?.['type'] === 'string' || items?.['type'] === 'integer';
  return scalar && (s['x-kubernetes-list-type'] === 'set' || s['x-kubernetes-patch-strategy'] === 'merge') ? { set: true } : {};
}
