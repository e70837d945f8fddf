// tkctl's commands, each a function over a RestClient so tests can call them directly.
import { stringify } from 'yaml';
import { ApiError, qualifiedResource, resolveResource, resourceByKind, type KubeObject, type ResourceInfo, type Status } from '@tinykube/api';
import { RestClient, resourcePath } from '@tinykube/client';
import { readManifests } from './manifests';
import { formatTable, renderRows, type ServerTable } from './table-printer';

export interface Ctx {
  client: RestClient;
  namespace: string;
  out: (s: string) => void;
  /** Notes that are not output, such as "No resources found" (stderr, as kubectl writes them). */
  err: (s: string) => void;
}

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

function resolve(type: string): ResourceInfo {
  const r = resolveResource(type);
  if (!r) throw new Error(`the server doesn't have a resource type "${type}"`);
  return r;
}

/** `pods`, `pod/x`, `deploy,svc`: the resource types and names a command names. */
export function parseTargets(args: string[]): { r: ResourceInfo; names: string[] }[] {
  if (args.length === 0) throw new Error('You must specify the type of resource to get.');
  if (args.every((a) => a.includes('/'))) {
    const groups = new Map<ResourceInfo, string[]>();
    for (const a of args) {
      const [t, n] = a.split('/') as [string, string];
      const r = resolve(t);
      groups.set(r, [...(groups.get(r) ?? []), n]);
    }
    return [...groups].map(([r, names]) => ({ r, names }));
  }
  const [types, ...names] = args as [string, ...string[]];
  return types.split(',').map((t) => ({ r: resolve(t), names }));
}

/** `deployment.apps`, as kubectl names a kind in its messages. */
export function kindPrefix(r: ResourceInfo): string {
  return r.group ? `${r.singular}.${r.group}` : r.singular;
}

export interface GetOptions {
  output?: string;
  selector?: string;
  allNamespaces?: boolean;
  showLabels?: boolean;
}

export async function get(ctx: Ctx, args: string[], o: GetOptions): Promise<void> {
  const targets = parseTargets(args);
  const multi = targets.length > 1;
  const objects: KubeObject[] = [];
  let printed = 0;
  for (const { r, names } of targets) {
    const ns = r.namespaced && !o.allNamespaces ? ctx.namespace : undefined;
    if (o.output === 'yaml' || o.output === 'json' || o.output === 'name') {
      if (names.length) for (const n of names) objects.push(await ctx.client.get(r, ns, n));
      else objects.push(...(await ctx.client.list(r, ns, { labelSelector: o.selector })).items);
      continue;
    }
    let table: ServerTable;
    if (names.length) {
      const tables = await Promise.all(names.map((n) => ctx.client.request<ServerTable>('GET', resourcePath(r, ns, n), undefined, { Accept: TABLE_ACCEPT })));
      table = { columnDefinitions: tables[0]!.columnDefinitions, rows: tables.flatMap((t) => t.rows) };
    } else {
      const q = o.selector ? `?labelSelector=${encodeURIComponent(o.selector)}` : '';
      table = await ctx.client.request<ServerTable>('GET', resourcePath(r, ns) + q, undefined, { Accept: TABLE_ACCEPT });
    }
    if (table.rows.length === 0) continue;
    if (printed++ > 0) ctx.out('\n');
    ctx.out(renderRows(formatTable(table, { wide: o.output === 'wide', withNamespace: !!o.allNamespaces && r.namespaced, showLabels: o.showLabels, kindPrefix: multi ? kindPrefix(r) : undefined })));
  }
  if (o.output === 'name') {
    for (const obj of objects) {
      const r = resourceByKind(obj.apiVersion ?? '', obj.kind ?? '');
      ctx.out(`${r ? kindPrefix(r) : obj.kind}/${obj.metadata.name}\n`);
    }
  } else if (o.output === 'yaml' || o.output === 'json') {
    const single = targets.length === 1 && targets[0]!.names.length === 1;
    const doc = single ? objects[0] : { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objects };
    ctx.out(o.output === 'json' ? JSON.stringify(doc, null, 4) + '\n' : stringify(doc));
  } else if (printed === 0) {
    const r = targets[0]!.r;
    ctx.err(r.namespaced && !o.allNamespaces ? `No resources found in ${ctx.namespace} namespace.\n` : 'No resources found\n');
  }
}

/** Follows changes as a table (`get -w`). Returns a stop function. */
export async function watch(ctx: Ctx, args: string[], o: GetOptions): Promise<() => void> {
  const { r } = parseTargets(args)[0]!;
  const ns = r.namespaced && !o.allNamespaces ? ctx.namespace : undefined;
  const q = o.selector ? `?labelSelector=${encodeURIComponent(o.selector)}` : '';
  const initial = await ctx.client.request<ServerTable & { metadata: { resourceVersion: string } }>('GET', resourcePath(r, ns) + q, undefined, { Accept: TABLE_ACCEPT });
  const columns = initial.columnDefinitions;
  const p = { wide: o.output === 'wide', withNamespace: !!o.allNamespaces && r.namespaced, showLabels: o.showLabels };
  ctx.out(renderRows(formatTable(initial, p)));
  const h = ctx.client.watchPath(resourcePath(r, ns), { labelSelector: o.selector, resourceVersion: initial.metadata.resourceVersion }, { Accept: TABLE_ACCEPT }, (type, obj) => {
    if (type === 'ERROR') return;
    const t = obj as ServerTable;
    ctx.out(renderRows(formatTable({ columnDefinitions: columns, rows: t.rows }, { ...p, noHeaders: true })));
  }, () => undefined);
  return () => h.stop();
}

function describeObject(r: ResourceInfo, ns: string | undefined): string {
  return r.namespaced && ns ? `${qualifiedResource(r)} in ${ns}` : qualifiedResource(r);
}

export async function apply(ctx: Ctx, files: string[]): Promise<void> {
  for (const { source, obj } of readManifests(files)) {
    const r = resourceByKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!r) throw new Error(`error: resource mapping not found for name: "${obj.metadata?.name}" namespace: "" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
    const ns = r.namespaced ? (obj.metadata?.namespace ?? ctx.namespace) : undefined;
    obj.metadata ??= {};
    if (r.namespaced) obj.metadata.namespace = ns;
    const name = obj.metadata.name ?? '';
    let current: KubeObject | undefined;
    try {
      current = await ctx.client.get(r, ns, name);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    if (!current) {
      await ctx.client.create(r, obj);
      ctx.out(`${kindPrefix(r)}/${name} created\n`);
      continue;
    }
    const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } };
    const updated = await ctx.client.update(r, next);
    ctx.out(`${kindPrefix(r)}/${name} ${updated.metadata.resourceVersion === current.metadata.resourceVersion ? 'unchanged' : 'configured'}\n`);
  }
}

export async function del(ctx: Ctx, args: string[], o: { files?: string[]; selector?: string; gracePeriod?: number; now?: boolean; allNamespaces?: boolean }): Promise<void> {
  const items: { r: ResourceInfo; ns?: string; name: string }[] = [];
  if (o.files?.length) {
    for (const { obj } of readManifests(o.files)) {
      const r = resourceByKind(obj.apiVersion ?? '', obj.kind ?? '');
      if (!r) throw new Error(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
      items.push({ r, ns: r.namespaced ? (obj.metadata?.namespace ?? ctx.namespace) : undefined, name: obj.metadata?.name ?? '' });
    }
  } else {
    for (const { r, names } of parseTargets(args)) {
      const ns = r.namespaced ? ctx.namespace : undefined;
      if (names.length) for (const name of names) items.push({ r, ns, name });
      else if (o.selector) for (const it of (await ctx.client.list(r, ns, { labelSelector: o.selector })).items) items.push({ r, ns, name: it.metadata.name ?? '' });
      else throw new Error('resource(s) were provided, but no name was specified');
    }
  }
  const grace = o.now ? 1 : o.gracePeriod;
  for (const it of items) {
    await ctx.client.delete(it.r, it.ns, it.name, grace !== undefined && grace >= 0 ? { gracePeriodSeconds: grace } : {});
    ctx.out(`${kindPrefix(it.r)} "${it.name}" deleted\n`);
  }
}

export async function scale(ctx: Ctx, args: string[], replicas: number): Promise<void> {
  for (const { r, names } of parseTargets(args)) {
    if (!r.hasScale) throw new Error(`${describeObject(r, undefined)} cannot be scaled`);
    for (const n of names) {
      await ctx.client.request('PATCH', resourcePath(r, ctx.namespace, n, 'scale'), { spec: { replicas } }, { 'Content-Type': 'application/merge-patch+json' });
      ctx.out(`${kindPrefix(r)}/${n} scaled\n`);
    }
  }
}

function indentYaml(v: unknown, pad: string): string {
  return stringify(v).trimEnd().split('\n').map((l) => pad + l).join('\n');
}

function kv(m: Record<string, string> | undefined): string {
  const e = Object.entries(m ?? {});
  return e.length ? e.map(([k, v], i) => `${i ? ' '.repeat(13) : ''}${k}=${v}`).join('\n') : '<none>';
}

export async function describe(ctx: Ctx, args: string[]): Promise<void> {
  for (const { r, names } of parseTargets(args)) {
    const ns = r.namespaced ? ctx.namespace : undefined;
    const objs = names.length ? await Promise.all(names.map((n) => ctx.client.get(r, ns, n))) : (await ctx.client.list(r, ns)).items;
    for (const o of objs) {
      const m = o.metadata;
      const lines = [`Name:        ${m.name}`];
      if (r.namespaced) lines.push(`Namespace:   ${m.namespace}`);
      lines.push(`Labels:      ${kv(m.labels)}`, `Annotations: ${kv(m.annotations)}`, `Created:     ${m.creationTimestamp}`);
      if (m.deletionTimestamp) lines.push(`Deleting:    since ${m.deletionTimestamp} (grace ${m.deletionGracePeriodSeconds ?? 0}s)`);
      for (const c of m.ownerReferences ?? []) lines.push(`Controlled By: ${c.kind}/${c.name}`);
      const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
      for (const [k, v] of Object.entries(rest)) lines.push(`${k[0]!.toUpperCase()}${k.slice(1)}:`, indentYaml(v, '  '));
      const events = await ctx.client.list<KubeObject & { type?: string; reason?: string; message?: string; lastTimestamp?: string; source?: { component?: string } }>(
        resolve('events'),
        m.namespace ?? 'default',
        { fieldSelector: `involvedObject.name=${m.name}` },
      );
      lines.push('Events:');
      if (events.items.length === 0) lines.push('  <none>');
      else {
        const rows = [['Type', 'Reason', 'From', 'Message'], ...events.items.map((e) => [e.type ?? '', e.reason ?? '', e.source?.component ?? '', e.message ?? ''])];
        lines.push(...renderRows(rows).trimEnd().split('\n').map((l) => `  ${l}`));
      }
      ctx.out(lines.join('\n') + '\n\n');
    }
  }
}

export interface LogsOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: number;
  timestamps?: boolean;
}

/** Streams a container's log (pods/log, which the apiserver fetches from the pod's kubelet). */
export async function logs(ctx: Ctx, pod: string, o: LogsOptions): Promise<void> {
  const q = new URLSearchParams();
  if (o.container) q.set('container', o.container);
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.tail !== undefined && o.tail >= 0) q.set('tailLines', String(o.tail));
  if (o.timestamps) q.set('timestamps', 'true');
  const url = new URL(`/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(pod)}/log?${q.toString()}`, ctx.client.server);
  const res = await ctx.client.fetch(url);
  if (!res.ok) {
    const text = await res.text();
    let status: Status | undefined;
    try {
      status = JSON.parse(text) as Status;
    } catch {
      // not a Status
    }
    throw status?.kind === 'Status' ? new ApiError(status) : new Error(`the server responded with ${res.status}: ${text}`);
  }
  if (!res.body) return;
  for await (const chunk of res.body) ctx.out(Buffer.from(chunk as Uint8Array).toString());
}
