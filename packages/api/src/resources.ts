// The table of served resources: one row per kind, shared by REST, gRPC, clients and tkctl.

export interface ResourceInfo {
  /** API group; '' is the legacy core group. */
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural used in paths and etcd keys. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Has a `status` subresource; the main resource then ignores status. */
  hasStatus: boolean;
  /** Has a `scale` subresource (autoscaling/v1 Scale). */
  hasScale: boolean;
  verbs: string[];
  categories?: string[];
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function row(r: Omit<ResourceInfo, 'verbs' | 'singular'> & { verbs?: string[] }): ResourceInfo {
  return { ...r, singular: r.kind.toLowerCase(), verbs: r.verbs ?? allVerbs };
}

export const RESOURCES: readonly ResourceInfo[] = [
  row({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], hasStatus: true, hasScale: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
  row({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], hasStatus: true, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], hasStatus: true, hasScale: false, categories: ['all'] }),
  row({ group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'], hasStatus: true, hasScale: false, categories: ['all'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }),
  row({ group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'], hasStatus: false, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'], hasStatus: false, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'], hasStatus: false, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, shortNames: [], hasStatus: false, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'], hasStatus: false, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], hasStatus: true, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], hasStatus: true, hasScale: true, categories: ['all'] }),
  row({ group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'], hasStatus: true, hasScale: false }),
  row({ group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'], hasStatus: false, hasScale: false }),
  row({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], hasStatus: true, hasScale: true, categories: ['all'] }),
  row({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], hasStatus: true, hasScale: true, categories: ['all'] }),
  row({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], hasStatus: true, hasScale: true, categories: ['all'] }),
  row({ group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], hasStatus: true, hasScale: false, categories: ['all'] }),
  row({ group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, shortNames: ['ds'], hasStatus: true, hasScale: false, categories: ['all'] }),
  row({ group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true, shortNames: [], hasStatus: true, hasScale: false, categories: ['all'] }),
  row({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], hasStatus: true, hasScale: false }),
  row({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, shortNames: [], hasStatus: false, hasScale: false }),
  row({ group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true, shortNames: [], hasStatus: false, hasScale: false }),
  row({ group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', namespaced: false, shortNames: ['csr'], hasStatus: true, hasScale: false }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true, shortNames: [], hasStatus: false, hasScale: false }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, shortNames: [], hasStatus: false, hasScale: false }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, shortNames: [], hasStatus: false, hasScale: false }),
  row({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, shortNames: [], hasStatus: false, hasScale: false }),
  row({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true, shortNames: [], hasStatus: false, hasScale: false }),
];

function byKind(kind: string): ResourceInfo {
  const r = RESOURCES.find((x) => x.kind === kind);
  if (!r) throw new Error(`unknown kind ${kind}`);
  return r;
}

/** Resource handles by kind, for code that knows what it works on. */
export const R = {
  namespaces: byKind('Namespace'),
  nodes: byKind('Node'),
  pods: byKind('Pod'),
  services: byKind('Service'),
  endpoints: byKind('Endpoints'),
  endpointslices: byKind('EndpointSlice'),
  events: byKind('Event'),
  pvcs: byKind('PersistentVolumeClaim'),
  configmaps: byKind('ConfigMap'),
  secrets: byKind('Secret'),
  serviceaccounts: byKind('ServiceAccount'),
  replicationcontrollers: byKind('ReplicationController'),
  resourcequotas: byKind('ResourceQuota'),
  limitranges: byKind('LimitRange'),
  replicasets: byKind('ReplicaSet'),
  deployments: byKind('Deployment'),
  statefulsets: byKind('StatefulSet'),
  daemonsets: byKind('DaemonSet'),
  pdbs: byKind('PodDisruptionBudget'),
  jobs: byKind('Job'),
  cronjobs: byKind('CronJob'),
  controllerrevisions: byKind('ControllerRevision'),
  leases: byKind('Lease'),
  csrs: byKind('CertificateSigningRequest'),
  roles: byKind('Role'),
  clusterroles: byKind('ClusterRole'),
  rolebindings: byKind('RoleBinding'),
  clusterrolebindings: byKind('ClusterRoleBinding'),
} as const;

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Qualified kind as Kubernetes prints it in messages, e.g. `Deployment.apps`. */
export function qualifiedKind(r: ResourceInfo): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

/** Qualified resource as in NotFound messages, e.g. `deployments.apps`. */
export function qualifiedResource(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function resourceByPlural(group: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.plural === plural);
}

export function resourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** Finds a resource by any name a user may type: plural, singular, short name, kind, `plural.group`. */
export function resolveResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return RESOURCES.find(
    (r) =>
      (group === '' || r.group === group) &&
      (r.plural === base || r.singular === base || r.shortNames.includes(base ?? '')),
  );
}

/** etcd key of an object, as the Kubernetes apiserver lays them out. */
export function storageKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return r.namespaced ? `/registry/${r.plural}/${namespace}/${name}` : `/registry/${r.plural}/${name}`;
}

/** etcd prefix of a collection: one namespace, or all of them when namespace is undefined. */
export function storagePrefix(r: ResourceInfo, namespace?: string): string {
  return r.namespaced && namespace ? `/registry/${r.plural}/${namespace}/` : `/registry/${r.plural}/`;
}
