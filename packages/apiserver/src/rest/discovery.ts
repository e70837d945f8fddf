// Legacy discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) and /version.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { RESOURCES, apiVersionOf, type ResourceInfo } from '@tinykube/api';

/** The checkout's commit and tree state, and when this code was built (the compiled file's time). */
function buildInfo(): { gitCommit: string; gitTreeState: string; buildDate: string } {
  const git = (args: string[]): string | undefined => {
    try {
      return execFileSync('git', ['-C', __dirname, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    gitCommit: commit ?? '',
    gitTreeState: commit === undefined ? '' : dirty ? 'dirty' : 'clean',
    buildDate: statSync(__filename).mtime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** Reported as Kubernetes 1.31 so kubectl 1.27–1.33 (and its version-matching dispatcher) accept it. */
export const VERSION_INFO = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-tinykube.0.1.0',
  ...buildInfo(),
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

interface Sub {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

function subresources(r: ResourceInfo): Sub[] {
  const subs: Sub[] = [];
  if (r.hasStatus) subs.push({ name: 'status', kind: r.kind, verbs: ['get', 'patch', 'update'] });
  if (r.kind === 'CertificateSigningRequest') subs.push({ name: 'approval', kind: r.kind, verbs: ['get', 'patch', 'update'] });
  if (r.kind === 'ServiceAccount') subs.push({ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
  if (r.hasScale) subs.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  if (r.kind === 'Pod') {
    subs.push({ name: 'binding', kind: 'Binding', verbs: ['create'] });
    subs.push({ name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] });
    subs.push({ name: 'log', kind: 'Pod', verbs: ['get'] });
    subs.push({ name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] });
  }
  return subs;
}

export function groupVersions(): Map<string, ResourceInfo[]> {
  const m = new Map<string, ResourceInfo[]>();
  for (const r of RESOURCES) {
    const gv = apiVersionOf(r);
    m.set(gv, [...(m.get(gv) ?? []), r]);
  }
  return m;
}

export function apiResourceList(gv: string): unknown | undefined {
  const rs = groupVersions().get(gv);
  if (!rs) return undefined;
  const resources: unknown[] = [];
  for (const r of rs) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      storageVersionHash: Buffer.from(`${gv}/${r.kind}`).toString('base64').slice(0, 11),
    });
    for (const s of subresources(r)) {
      resources.push({ name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs, ...(s.group ? { group: s.group, version: s.version } : {}) });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
}

export function apiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(name: string): unknown {
  const versions = [...groupVersions().keys()].filter((gv) => gv.startsWith(`${name}/`)).map((gv) => ({ groupVersion: gv, version: gv.split('/')[1] }));
  return { name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): unknown {
  const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
}

export function apiGroupDoc(name: string): unknown | undefined {
  if (!RESOURCES.some((r) => r.group === name)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(name) as object) };
}

/** What kubectl asks for first: `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`. */
export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    if (!part.includes('as=APIGroupDiscoveryList') || !part.includes('g=apidiscovery.k8s.io')) continue;
    if (part.includes('v=v2beta1')) return 'v2beta1';
    if (/v=v2(;|$|\s)/.test(part)) return 'v2';
  }
  return undefined;
}

/** One resource of an aggregated discovery document, with its subresources. */
function discoveredResource(r: ResourceInfo): unknown {
  const subs = subresources(r);
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
    ...(subs.length ? { subresources: subs.map((s) => ({ subresource: s.name, responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind }, verbs: s.verbs })) } : {}),
  };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io v2): every group, version and resource with its
 * subresources in one document — `/api` for the core group, `/apis` for the others.
 */
export function aggregatedDiscovery(core: boolean, version: 'v2' | 'v2beta1'): unknown {
  const byGroup = new Map<string, Map<string, ResourceInfo[]>>();
  for (const r of RESOURCES) {
    if ((r.group === '') !== core) continue;
    const versions = byGroup.get(r.group) ?? byGroup.set(r.group, new Map()).get(r.group)!;
    versions.set(r.version, [...(versions.get(r.version) ?? []), r]);
  }
  const items = [...byGroup].map(([group, versions]) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: [...versions].map(([v, rs]) => ({
      version: v,
      freshness: 'Current',
      resources: rs.map(discoveredResource),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
