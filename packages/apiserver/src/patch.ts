// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via fast-json-patch) and
// Kubernetes' strategic merge patch for the built-in kinds' lists with merge keys.
import { applyPatch, type Operation } from 'fast-json-patch';
import { ApiError, errors, statusFailure } from '@tinykube/api';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlain(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlain(patch)) return patch;
  const out: Record<string, unknown> = isPlain(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw errors.badRequest('json patch must be a list of operations');
  try {
    return applyPatch(structuredClone(target), ops as Operation[], true, false).newDocument;
  } catch (e) {
    throw new ApiError(statusFailure(422, 'Invalid', `the server rejected our request due to an error in our request: ${(e as Error).message.split('\n')[0]}`));
  }
}

/** Merge keys of lists in the built-in kinds, by the list's field name. */
const mergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  tolerations: 'key',
  hostAliases: 'ip',
  taints: 'key',
  addresses: 'type',
  readinessGates: 'conditionType',
  topologySpreadConstraints: 'topologyKey',
  envFrom: '',
};

/** Lists of primitives merged as sets (finalizers). Everything else not listed is replaced. */
const setLists = new Set(['finalizers']);

/** `ports` is keyed by containerPort in containers and by port in Services. */
export function keyFor(field: string, parentPath: string[]): string | undefined {
  if (field === 'ports') return parentPath.includes('containers') || parentPath.includes('initContainers') ? 'containerPort' : 'port';
  const k = mergeKeys[field];
  return k === '' ? undefined : k;
}

export function strategicMergePatch(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isPlain(patch)) return patch;
  if (patch['$patch'] === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return rest;
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: Record<string, unknown> = isPlain(target) ? { ...target } : {};
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
    const mk = keyFor(k, path);
    if (Array.isArray(v) && mk) out[k] = mergeList(Array.isArray(cur) ? cur : [], v, mk, [...path, k]);
    else if (Array.isArray(v) && setLists.has(k)) {
      const base = Array.isArray(cur) ? [...cur] : [];
      for (const x of v) if (!base.includes(x)) base.push(x);
      out[k] = base;
    } else if (isPlain(v)) {
      const merged = strategicMergePatch(cur, v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k) && !(k in patch)) delete out[k];
  }
  return out;
}

function mergeList(cur: unknown[], patch: Json[], key: string, path: string[]): unknown[] {
  if (patch.some((p) => isPlain(p) && p['$patch'] === 'replace')) return patch.filter((p) => !(isPlain(p) && p['$patch'] === 'replace'));
  const out = [...cur];
  for (const item of patch) {
    if (!isPlain(item)) {
      out.push(item);
      continue;
    }
    const idx = out.findIndex((c) => isPlain(c) && c[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item, path);
    else out.push(strategicMergePatch({}, item, path));
  }
  return out;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

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
      throw errors.unsupportedMediaType(ct || '(none)');
  }
}

export function applyPatchBody(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'merge':
      return mergePatch(target, patch);
    case 'json':
      return jsonPatch(target, patch);
    case 'strategic':
      return strategicMergePatch(target, patch);
    case 'apply':
      // Server-side apply is the registry's own path (field ownership), never a plain patch.
      throw errors.unsupportedMediaType('application/apply-patch+yaml on this subresource');
  }
}
