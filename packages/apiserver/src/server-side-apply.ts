// Server-side apply, in the measure kubectl's `apply --server-side` needs: every field a manager
// set is recorded in metadata.managedFields (FieldsV1: `f:<field>`, `k:{"name":...}` for items
// of lists merged by key); an apply that would change a field another manager owns is a 409
// naming the manager and field, unless forced, which takes the field over; fields a manager
// applied before and applies no more are removed when no one else owns them. Other writes
// (update, patch, scale) record the fields they change under their fieldManager.
import { errors, isPlainObject, timestamp, type KubeObject, type ManagedFieldsEntry } from '@tinykube/api';
import { definitionOf } from './openapi/definitions';
import { patchMeta } from './openapi/patch-meta';
import { strategicMergePatch } from './patch';

type Json = Record<string, unknown>;

/** Segments of a field path: a map key, or a list item by its merge key. */
type Seg = { f: string } | { k: Record<string, unknown> };
const enc = (path: Seg[]): string => JSON.stringify(path);
const dec = (s: string): Seg[] => JSON.parse(s) as Seg[];

const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'generateName']);

/** The leaf fields an object sets (status and server-owned metadata left out). */
export function fieldSet(obj: KubeObject): Set<string> {
  const out = new Set<string>();
  const root = definitionOf(obj);
  const walk = (v: unknown, path: Seg[], names: string[]): void => {
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) {
        if (path.length === 0 && (k === 'apiVersion' || k === 'kind' || k === 'status')) continue;
        if (path.length === 1 && names[0] === 'metadata' && IGNORED_META.has(k)) continue;
        walk(x, [...path, { f: k }], [...names, k]);
      }
      return;
    }
    const key = Array.isArray(v) ? patchMeta(root, names).mergeKey : undefined;
    if (Array.isArray(v) && key && v.every((i) => isPlainObject(i) && i[key] !== undefined)) {
      for (const item of v as Json[]) walk(item, [...path, { k: { [key]: item[key] } }], names);
      return;
    }
    out.add(enc(path));
  };
  walk(obj, [], []);
  return out;
}

function step(v: unknown, s: Seg): unknown {
  if ('f' in s) return isPlainObject(v) ? v[s.f] : undefined;
  const [k, want] = Object.entries(s.k)[0]!;
  return Array.isArray(v) ? v.find((i) => isPlainObject(i) && i[k] === want) : undefined;
}

export function valueAt(obj: unknown, path: string): unknown {
  return dec(path).reduce(step, obj);
}

/** Removes a field (or a keyed list item) from obj in place. */
function removeAt(obj: unknown, path: string): void {
  const segs = dec(path);
  const parent = segs.slice(0, -1).reduce(step, obj);
  const last = segs[segs.length - 1]!;
  if ('f' in last && isPlainObject(parent)) delete parent[last.f];
  else if ('k' in last) {
    const holder = segs.slice(0, -2).reduce(step, obj);
    const listSeg = segs[segs.length - 2];
    if (!listSeg || !('f' in listSeg) || !isPlainObject(holder)) return;
    const [k, want] = Object.entries(last.k)[0]!;
    const list = holder[listSeg.f];
    if (Array.isArray(list)) holder[listSeg.f] = list.filter((i) => !(isPlainObject(i) && i[k] === want));
  }
}

/** Kubernetes' FieldsV1 form of a field set. */
export function toFieldsV1(set: Set<string>): Json {
  const root: Json = {};
  for (const p of set) {
    let node = root;
    for (const s of dec(p)) {
      const key = 'f' in s ? `f:${s.f}` : `k:${JSON.stringify(s.k)}`;
      node = (node[key] ??= {}) as Json;
    }
  }
  return root;
}

export function fromFieldsV1(v: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: Seg[]): void => {
    const keys = isPlainObject(node) ? Object.keys(node).filter((k) => k.startsWith('f:') || k.startsWith('k:')) : [];
    if (keys.length === 0) {
      if (path.length) out.add(enc(path));
      return;
    }
    for (const k of keys) walk((node as Json)[k], [...path, k.startsWith('f:') ? { f: k.slice(2) } : { k: JSON.parse(k.slice(2)) as Record<string, unknown> }]);
  };
  walk(v, []);
  return out;
}

/** `.spec.template.spec.containers[name="nginx"].image`, as conflicts print it. */
export function display(path: string): string {
  return dec(path)
    .map((s) => ('f' in s ? `.${s.f}` : `[${Object.entries(s.k).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`))
    .join('');
}

function entry(manager: string, operation: 'Apply' | 'Update', apiVersion: string, set: Set<string>, subresource?: string): ManagedFieldsEntry {
  return { manager, operation, apiVersion, time: timestamp(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set), ...(subresource ? { subresource } : {}) };
}

/** The object after `manager` applies `applied` over `live` (undefined: a create). */
export function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, qualified: string): KubeObject {
  const appliedSet = fieldSet(applied);
  const apiVersion = applied.apiVersion ?? live?.apiVersion ?? '';
  if (!live) {
    const created = structuredClone(applied);
    created.metadata.managedFields = [entry(manager, 'Apply', apiVersion, appliedSet)];
    return created;
  }
  const entries = (live.metadata.managedFields ?? []).map((e) => ({ e, set: fromFieldsV1(e.fieldsV1) }));
  const conflicts: { entry: ManagedFieldsEntry; path: string }[] = [];
  for (const { e, set } of entries) {
    if (e.manager === manager && e.operation === 'Apply') continue;
    for (const p of appliedSet) if (set.has(p) && JSON.stringify(valueAt(live, p)) !== JSON.stringify(valueAt(applied, p))) conflicts.push({ entry: e, path: p });
  }
  if (conflicts.length > 0 && !force) {
    const who = (e: ManagedFieldsEntry): string => `"${e.manager ?? ''}"${e.subresource ? ` with subresource "${e.subresource}"` : ''}${e.apiVersion ? ` using ${e.apiVersion}` : ''}`;
    const lines = conflicts.map((c) => `conflict with ${who(c.entry)}: ${display(c.path)}`);
    throw errors.conflict(qualified, live.metadata.name ?? '', `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${lines.join('\n')}`);
  }
  const previous = entries.find(({ e }) => e.manager === manager && e.operation === 'Apply')?.set ?? new Set<string>();
  const { metadata: appliedMeta, ...appliedRest } = applied;
  const { managedFields: _ignored, ...metaPatch } = appliedMeta;
  const next = strategicMergePatch(structuredClone(live), { ...appliedRest, metadata: metaPatch }, definitionOf(live)) as KubeObject;
  const others = entries.filter(({ e }) => !(e.manager === manager && e.operation === 'Apply'));
  // Fields this manager applied before and not now, that nobody else owns, go away.
  for (const p of previous) if (!appliedSet.has(p) && !others.some(({ set }) => set.has(p))) removeAt(next, p);
  const managed: ManagedFieldsEntry[] = [];
  for (const { e, set } of others) {
    for (const c of conflicts) if (c.entry === e) set.delete(c.path);
    if (set.size > 0) managed.push({ ...e, fieldsV1: toFieldsV1(set) });
  }
  managed.push(entry(manager, 'Apply', apiVersion, appliedSet));
  next.metadata.managedFields = managed;
  return next;
}

/** The manager Kubernetes names a write without fieldManager after: the User-Agent's product. */
export function managerFromUserAgent(ua: string | undefined): string | undefined {
  const name = (ua ?? '').split('/')[0]?.trim();
  return name ? name.slice(0, 128) : undefined;
}

/** After a non-apply write by `manager`: the fields it changed become its own. */
export function recordUpdate(prev: KubeObject, next: KubeObject, manager: string, subresource?: string): void {
  const entries = prev.metadata.managedFields;
  if (!entries?.length) {
    delete next.metadata.managedFields;
    return;
  }
  const before = fieldSet(prev);
  const after = fieldSet(next);
  const changed = new Set([...after].filter((p) => !before.has(p) || JSON.stringify(valueAt(prev, p)) !== JSON.stringify(valueAt(next, p))));
  const managed: ManagedFieldsEntry[] = [];
  let mine = new Set<string>();
  for (const e of entries) {
    const set = new Set([...fromFieldsV1(e.fieldsV1)].filter((p) => after.has(p)));
    if (e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === (subresource ?? '')) {
      mine = set;
      continue;
    }
    for (const p of changed) set.delete(p);
    if (set.size > 0) managed.push({ ...e, fieldsV1: toFieldsV1(set) });
  }
  for (const p of changed) mine.add(p);
  if (mine.size > 0) managed.push(entry(manager, 'Update', next.apiVersion ?? prev.apiVersion ?? '', mine, subresource));
  next.metadata.managedFields = managed;
}
