// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via fast-json-patch) and
// Kubernetes' strategic merge patch, with the merge keys the published schemas give lists.
import { applyPatch, type Operation } from 'fast-json-patch';
import { ApiError, errors, isPlainObject, mergePatch, statusFailure } from '@tinykube/api';
import { definitionOf } from './openapi/definitions';
import { patchMeta } from './openapi/patch-meta';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw errors.badRequest('json patch must be a list of operations');
  try {
    return applyPatch(structuredClone(target), ops as Operation[], true, false).newDocument;
  } catch (e) {
    throw new ApiError(statusFailure(422, 'Invalid', `the server rejected our request due to an error in our request: ${(e as Error).message.split('\n')[0]}`));
  }
}

/**
 * Kubernetes' strategic merge patch. `root` is the definition of the patched kind; lists are
 * merged by the merge key its schema gives them (or as sets), and replaced whole otherwise.
 */
export function strategicMergePatch(target: unknown, patch: unknown, root: string | undefined, path: string[] = []): unknown {
  if (!isPlainObject(patch)) return patch;
  if (patch['$patch'] === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return rest;
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  const retain = patch['$retainKeys'];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x as Json));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    const meta = Array.isArray(v) ? patchMeta(root, [...path, k]) : {};
    if (Array.isArray(v) && meta.mergeKey) out[k] = mergeList(Array.isArray(cur) ? cur : [], v, meta.mergeKey, root, [...path, k]);
    else if (Array.isArray(v) && meta.set) {
      const base = Array.isArray(cur) ? [...cur] : [];
      for (const x of v) if (!base.includes(x)) base.push(x);
      out[k] = base;
    } else if (isPlainObject(v)) {
      const merged = strategicMergePatch(cur, v, root, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith('$setElementOrder/') || !Array.isArray(order)) continue;
    const field = k.slice('$setElementOrder/'.length);
    const list = out[field];
    if (Array.isArray(list)) out[field] = inOrder(list, order, patchMeta(root, [...path, field]).mergeKey);
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k) && !(k in patch)) delete out[k];
  }
  return out;
}

/**
 * `$setElementOrder`: the items the patch names come in its order (kubectl sends the manifest's
 * order, which matters for env, where $(VAR) sees only earlier variables); items it does not
 * name keep their relative order after them.
 */
function inOrder(list: unknown[], order: Json[], key: string | undefined): unknown[] {
  const id = (x: unknown): unknown => (key && isPlainObject(x) ? x[key] : x);
  const wanted = order.map((o) => id(o));
  const named = wanted.flatMap((w) => list.filter((x) => id(x) === w).slice(0, 1));
  return [...named, ...list.filter((x) => !wanted.includes(id(x) as Json))];
}

function mergeList(cur: unknown[], patch: Json[], key: string, root: string | undefined, path: string[]): unknown[] {
  if (patch.some((p) => isPlainObject(p) && p['$patch'] === 'replace')) return patch.filter((p) => !(isPlainObject(p) && p['$patch'] === 'replace'));
  const out = [...cur];
  for (const item of patch) {
    if (!isPlainObject(item)) {
      out.push(item);
      continue;
    }
    const idx = out.findIndex((c) => isPlainObject(c) && c[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item, root, path);
    else out.push(strategicMergePatch({}, item, root, path));
  }
  return out;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** The patch media types, as Kubernetes lists them in its 415. */
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];

export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim();
  switch (ct) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw errors.unsupportedMediaType(ct, PATCH_TYPES);
  }
}

export function applyPatchBody(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'merge':
      return mergePatch(target, patch);
    case 'json':
      return jsonPatch(target, patch);
    case 'strategic':
      return strategicMergePatch(target, patch, definitionOf(target));
    case 'apply':
      // Server-side apply is the registry's own path (field ownership), never a plain patch.
      throw errors.unsupportedMediaType('application/apply-patch+yaml', PATCH_TYPES.filter((t) => t !== 'application/apply-patch+yaml'));
  }
}
