// Server-side printing (meta.k8s.io/v1 Table): the columns kubectl shows for each kind, so that
// kubectl and tkctl print the same tables from the same server answer.
import type { ContainerStatus, Deployment, Endpoints, Event, KubeObject, Lease, Node, PersistentVolumeClaim, Pod, ReplicaSet, ReplicationController, Job, CronJob, Service, StatefulSet, ControllerRevision, DaemonSet, PodDisruptionBudget, ResourceQuota, EndpointSlice } from '@tinykube/api';
import { getCondition, selectorStringFromLabelSelector } from '@tinykube/api';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

/** Kubernetes' HumanDuration: 45s, 5m30s, 45m, 3h20m, 23h, 3d5h, 120d, 2y100d. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

export function age(ts: string | undefined): string {
  return ts ? humanDuration(Date.now() - Date.parse(ts)) : '<unknown>';
}

export type Col = [name: string, type: string, priority: number, description: string];

export const nameCol: Col = ['Name', 'string', 0, 'Name must be unique within a namespace.'];
export const ageCol: Col = ['Age', 'string', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.'];

/** A kind's columns and cells; each kind's strategy names its printer. */
export interface Printer {
  columns: Col[];
  cells(o: KubeObject): unknown[];
}

function containersAndImages(spec: { containers?: { name: string; image?: string }[] } | undefined): [string, string] {
  const cs = spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

export interface PodSummary {
  reason: string;
  ready: number;
  total: number;
  restarts: number;
  lastRestart?: string;
}

/** READY, STATUS and RESTARTS of `kubectl get pods`, as kubectl's printPod (native sidecars count as containers). */
export function podSummary(pod: Pod): PodSummary {
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  const inits = pod.spec.initContainers ?? [];
  const sidecar = new Set(inits.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const total = (pod.spec.containers?.length ?? 0) + sidecar.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  const lastOf = (list: ContainerStatus[]): string | undefined => list.map((c) => c.lastState?.terminated?.finishedAt).filter((t): t is string => !!t).sort().pop();
  let lastRestart = lastOf(pod.status?.initContainerStatuses ?? []);
  let initializing = false;
  for (const [i, c] of (pod.status?.initContainerStatuses ?? []).entries()) {
    restarts += c.restartCount ?? 0;
    if (sidecar.has(c.name)) sidecarRestarts += c.restartCount ?? 0;
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (sidecar.has(c.name) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    initializing = true;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${inits.length}`;
    break;
  }
  if (!initializing || getCondition(pod.status?.conditions, 'Initialized')?.status === 'True') {
    restarts = sidecarRestarts;
    const sidecarStatuses = (pod.status?.initContainerStatuses ?? []).filter((c) => sidecar.has(c.name));
    lastRestart = lastOf([...sidecarStatuses, ...(pod.status?.containerStatuses ?? [])]);
    let hasRunning = false;
    for (const c of [...(pod.status?.containerStatuses ?? [])].reverse()) {
      restarts += c.restartCount ?? 0;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = getCondition(pod.status?.conditions, 'Ready')?.status === 'True' ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return { reason, ready, total, restarts, ...(lastRestart ? { lastRestart } : {}) };
}

/** The STATUS column of `kubectl get pods`. */
export function podStatusReason(pod: Pod): string {
  return podSummary(pod).reason;
}

/** The printers of the kinds served from the start, as Kubernetes' internalversion printers. */
/** kubectl's table of a ReplicaSet or ReplicationController, which differ in their selectors. */
function replicaTable(what: string, selector: (o: KubeObject) => string): Printer {
  return {
    columns: [
      nameCol,
      ['Desired', 'integer', 0, 'Replicas is the number of desired replicas.'],
      ['Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'],
      ['Ready', 'integer', 0, `The number of ready replicas for this ${what}.`],
      ageCol,
      ['Containers', 'string', 1, 'Names of each container in the template.'],
      ['Images', 'string', 1, 'Images referenced by each container in the template.'],
      ['Selector', 'string', 1, 'Selector is a label query over pods that should match the replica count.'],
    ],
    cells(o) {
      const r = o as ReplicaSet | ReplicationController;
      const [c, i] = containersAndImages(r.spec.template?.spec);
      return [r.metadata.name, r.spec.replicas ?? 0, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0, age(r.metadata.creationTimestamp), c, i, selector(o)];
    },
  };
}

export const printers = {
  Pod: {
    columns: [
      nameCol,
      ['Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'],
      ['Status', 'string', 0, 'The aggregate status of the containers in this pod.'],
      ['Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'],
      ageCol,
      ['IP', 'string', 1, 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'],
      ['Node', 'string', 1, 'NodeName is a request to schedule this pod onto a specific node.'],
      ['Nominated Node', 'string', 1, 'nominatedNodeName is set when this pod preempts other pods on the node.'],
      ['Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'],
    ],
    cells(o) {
      const pod = o as Pod;
      const { reason, ready, total, restarts, lastRestart } = podSummary(pod);
      return [
        pod.metadata.name,
        `${ready}/${total}`,
        reason,
        lastRestart ? `${restarts} (${age(lastRestart)} ago)` : String(restarts),
        age(pod.metadata.creationTimestamp),
        pod.status?.podIP ?? '<none>',
        pod.spec.nodeName ?? '<none>',
        pod.status?.nominatedNodeName ?? '<none>',
        '<none>',
      ];
    },
  },
  Deployment: {
    columns: [
      nameCol,
      ['Ready', 'string', 0, 'Number of the pod with ready state'],
      ['Up-to-date', 'string', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'],
      ['Available', 'string', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'],
      ageCol,
      ['Containers', 'string', 1, 'Names of each container in the template.'],
      ['Images', 'string', 1, 'Images referenced by each container in the template.'],
      ['Selector', 'string', 1, 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'],
    ],
    cells(o) {
      const d = o as Deployment;
      const [c, i] = containersAndImages(d.spec.template?.spec);
      return [d.metadata.name, `${d.status?.readyReplicas ?? 0}/${d.spec.replicas ?? 0}`, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0, age(d.metadata.creationTimestamp), c, i, selectorStringFromLabelSelector(d.spec.selector)];
    },
  },
  ReplicaSet: replicaTable('replica set', (o) => selectorStringFromLabelSelector((o as ReplicaSet).spec.selector)),
  ReplicationController: replicaTable('replication controller', (o) => Object.entries((o as ReplicationController).spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')),
  Job: {
    columns: [
      nameCol,
      ['Status', 'string', 0, 'Status of the job.'],
      ['Completions', 'string', 0, 'The desired number of successfully finished pods the job should be run with.'],
      ['Duration', 'string', 0, 'Time required to complete the job.'],
      ageCol,
      ['Containers', 'string', 1, 'Names of each container in the template.'],
      ['Images', 'string', 1, 'Images referenced by each container in the template.'],
      ['Selector', 'string', 1, 'A label query over pods that should match the pod count.'],
    ],
    cells(o) {
      const j = o as Job;
      const [c, i] = containersAndImages(j.spec.template?.spec);
      const holds = (type: string): boolean => (j.status?.conditions ?? []).some((x) => x.type === type && x.status === 'True');
      const status = j.metadata.deletionTimestamp ? 'Terminating' : (['Complete', 'Failed', 'FailureTarget', 'Suspended'].find(holds) ?? 'Running');
      const succeeded = j.status?.succeeded ?? 0;
      const completions = j.spec.completions !== undefined ? `${succeeded}/${j.spec.completions}` : (j.spec.parallelism ?? 1) > 1 ? `${succeeded}/1 of ${j.spec.parallelism}` : `${succeeded}/1`;
      const start = Date.parse(j.status?.startTime ?? '');
      const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : Date.now();
      return [j.metadata.name, status, completions, Number.isNaN(start) ? '' : humanDuration(end - start), age(j.metadata.creationTimestamp), c, i, selectorStringFromLabelSelector(j.spec.selector)];
    },
  },
  CronJob: {
    columns: [
      nameCol,
      ['Schedule', 'string', 0, 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'],
      ['Timezone', 'string', 0, 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'],
      ['Suspend', 'boolean', 0, 'This flag tells the controller to suspend subsequent executions.'],
      ['Active', 'integer', 0, 'A list of pointers to currently running jobs.'],
      ['Last Schedule', 'string', 0, 'Information when was the last time the job was successfully scheduled.'],
      ageCol,
      ['Containers', 'string', 1, 'Names of each container in the template.'],
      ['Images', 'string', 1, 'Images referenced by each container in the template.'],
      ['Selector', 'string', 1, 'A label query over pods that should match the pod count.'],
    ],
    cells(o) {
      const cj = o as CronJob;
      const [c, i] = containersAndImages(cj.spec.jobTemplate?.spec?.template?.spec);
      const last = cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime) : '<none>';
      return [cj.metadata.name, cj.spec.schedule, cj.spec.timeZone ?? '<none>', cj.spec.suspend === undefined ? '<unset>' : cj.spec.suspend ? 'True' : 'False', cj.status?.active?.length ?? 0, last, age(cj.metadata.creationTimestamp), c, i, selectorStringFromLabelSelector(cj.spec.jobTemplate?.spec?.selector) || '<none>'];
    },
  },
  ResourceQuota: {
    columns: [nameCol, ageCol, ['Request', 'string', 0, 'Request represents a minimum amount of cpu/memory that a container may consume.'], ['Limit', 'string', 0, 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.']],
    cells(o) {
      const q = o as ResourceQuota;
      const request: string[] = [];
      const limit: string[] = [];
      for (const name of Object.keys(q.status?.hard ?? {}).sort()) (name.split('.')[0] === 'limits' && name.includes('.') ? limit : request).push(`${name}: ${q.status?.used?.[name] ?? '0'}/${q.status!.hard![name]}`);
      return [q.metadata.name, age(q.metadata.creationTimestamp), request.join(', '), limit.join(', ')];
    },
  },
  LimitRange: {
    columns: [nameCol, ['Created At', 'date', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.']],
    cells(o) {
      return [o.metadata.name, (o.metadata.creationTimestamp ?? '').replace(/\.\d+Z$/, 'Z')];
    },
  },
  PodDisruptionBudget: {
    columns: [
      nameCol,
      ['Min Available', 'string', 0, 'The minimum number or percentage of available pods this budget requires.'],
      ['Max Unavailable', 'string', 0, 'The maximum number or percentage of unavailable pods this budget requires.'],
      ['Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time.'],
      ageCol,
    ],
    cells(o) {
      const pdb = o as PodDisruptionBudget;
      const show = (v: number | string | undefined): string => (v === undefined ? 'N/A' : String(v));
      return [pdb.metadata.name, show(pdb.spec.minAvailable), show(pdb.spec.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb.metadata.creationTimestamp)];
    },
  },
  DaemonSet: {
    columns: [
      nameCol,
      ['Desired', 'integer', 0, 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'],
      ['Current', 'integer', 0, 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'],
      ['Ready', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'],
      ['Up-to-date', 'integer', 0, 'The total number of nodes that are running updated daemon pod'],
      ['Available', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'],
      ['Node Selector', 'string', 0, 'NodeSelector is a selector which must be true for the pod to fit on a node.'],
      ageCol,
      ['Containers', 'string', 1, 'Names of each container in the template.'],
      ['Images', 'string', 1, 'Images referenced by each container in the template.'],
      ['Selector', 'string', 1, "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels."],
    ],
    cells(o) {
      const ds = o as DaemonSet;
      const [c, i] = containersAndImages(ds.spec.template?.spec);
      const st = ds.status;
      const nodeSelector = Object.entries(ds.spec.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
      return [ds.metadata.name, st?.desiredNumberScheduled ?? 0, st?.currentNumberScheduled ?? 0, st?.numberReady ?? 0, st?.updatedNumberScheduled ?? 0, st?.numberAvailable ?? 0, nodeSelector, age(ds.metadata.creationTimestamp), c, i, selectorStringFromLabelSelector(ds.spec.selector)];
    },
  },
  StatefulSet: {
    columns: [nameCol, ['Ready', 'string', 0, 'Number of the pod with ready state'], ageCol, ['Containers', 'string', 1, 'Names of each container in the template.'], ['Images', 'string', 1, 'Images referenced by each container in the template.']],
    cells(o) {
      const s = o as StatefulSet;
      const [c, i] = containersAndImages(s.spec.template?.spec);
      return [s.metadata.name, `${s.status?.readyReplicas ?? 0}/${s.spec.replicas ?? 0}`, age(s.metadata.creationTimestamp), c, i];
    },
  },
  Service: {
    columns: [
      nameCol,
      ['Type', 'string', 0, 'type determines how the Service is exposed.'],
      ['Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service and is usually assigned randomly.'],
      ['External-IP', 'string', 0, 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'],
      ['Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'],
      ageCol,
      ['Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'],
    ],
    cells(o) {
      const s = o as Service;
      const ports = (s.spec.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',') || '<none>';
      const sel = Object.entries(s.spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
      const ext = s.spec.type === 'ExternalName' ? s.spec.externalName : s.spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
      return [s.metadata.name, s.spec.type ?? 'ClusterIP', s.spec.clusterIP ?? '<none>', ext, ports, age(s.metadata.creationTimestamp), sel];
    },
  },
  EndpointSlice: {
    columns: [nameCol, ['AddressType', 'string', 0, 'The type of address carried by this EndpointSlice.'], ['Ports', 'string', 0, 'The ports exposed by this EndpointSlice.'], ['Endpoints', 'string', 0, 'The endpoints of this EndpointSlice.'], ageCol],
    cells(o) {
      const s = o as EndpointSlice;
      // kubectl's listWithMoreString: the first 3, then "+ N more...", or <unset>.
      const shown = (list: string[]): string => (list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',') || '<unset>');
      const ports = (s.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*')));
      const addresses = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
      return [s.metadata.name, s.addressType, shown(ports), shown(addresses), age(s.metadata.creationTimestamp)];
    },
  },
  Endpoints: {
    columns: [nameCol, ['Endpoints', 'string', 0, 'Endpoints of the service'], ageCol],
    cells(o) {
      const ep = o as Endpoints;
      const list: string[] = [];
      for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports?.length ? s.ports : [undefined]) list.push(p ? `${a.ip}:${p.port}` : a.ip);
      const shown = list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',') || '<none>';
      return [ep.metadata.name, shown, age(ep.metadata.creationTimestamp)];
    },
  },
  Node: {
    columns: [
      nameCol,
      ['Status', 'string', 0, 'The status of the node'],
      ['Roles', 'string', 0, 'The roles of the node'],
      ageCol,
      ['Version', 'string', 0, 'Kubelet Version reported by the node.'],
      ['Internal-IP', 'string', 1, 'List of addresses reachable to the node.'],
      ['External-IP', 'string', 1, 'List of addresses reachable to the node.'],
      ['OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'],
      ['Kernel-Version', 'string', 1, 'Kernel Version reported by the node.'],
      ['Container-Runtime', 'string', 1, 'Container Runtime Version reported by the node.'],
    ],
    cells(o) {
      const n = o as Node;
      const ready = getCondition(n.status?.conditions, 'Ready');
      let status = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
      if (n.spec?.unschedulable) status += ',SchedulingDisabled';
      const roles = Object.keys(n.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length)).join(',') || '<none>';
      const addr = (t: string): string => n.status?.addresses?.find((a) => a.type === t)?.address ?? '<none>';
      const info = n.status?.nodeInfo;
      return [n.metadata.name, status, roles, age(n.metadata.creationTimestamp), info?.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), info?.osImage ?? '<unknown>', info?.kernelVersion ?? '<unknown>', info?.containerRuntimeVersion ?? '<unknown>'];
    },
  },
  Event: {
    columns: [
      ['Last Seen', 'string', 0, 'Time when this Event was last observed.'],
      ['Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future.'],
      ['Reason', 'string', 0, 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'],
      ['Object', 'string', 0, 'The object that this event is about.'],
      ['Message', 'string', 0, 'A human-readable description of the status of this operation.'],
    ],
    cells(o) {
      const e = o as Event;
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
      const obj = `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`;
      return [age(last ?? undefined), e.type ?? 'Normal', e.reason ?? '', obj, e.message ?? ''];
    },
  },
  Namespace: {
    columns: [nameCol, ['Status', 'string', 0, 'The status of the namespace'], ageCol],
    cells(o) {
      return [o.metadata.name, (o.status as { phase?: string } | undefined)?.phase ?? 'Active', age(o.metadata.creationTimestamp)];
    },
  },
  PersistentVolumeClaim: {
    columns: [
      nameCol,
      ['Status', 'string', 0, 'phase represents the current phase of PersistentVolumeClaim.'],
      ['Volume', 'string', 0, 'volumeName is the binding reference to the PersistentVolume backing this claim.'],
      ['Capacity', 'string', 0, 'capacity represents the actual resources of the underlying volume.'],
      ['Access Modes', 'string', 0, 'accessModes contains the actual access modes the volume backing the PVC has.'],
      ['StorageClass', 'string', 0, 'storageClassName is the name of the StorageClass required by the claim.'],
      ['VolumeAttributesClass', 'string', 0, 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'],
      ageCol,
      ['VolumeMode', 'string', 1, 'volumeMode defines what type of volume is required by the claim.'],
    ],
    cells(o) {
      const p = o as PersistentVolumeClaim;
      const modes = (p.status?.accessModes ?? p.spec.accessModes ?? []).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(',');
      return [p.metadata.name, p.status?.phase ?? 'Pending', p.spec.volumeName ?? '', p.status?.capacity?.storage ?? '', modes, p.spec.storageClassName ?? '<unset>', '<unset>', age(p.metadata.creationTimestamp), p.spec.volumeMode ?? 'Filesystem'];
    },
  },
  ControllerRevision: {
    columns: [nameCol, ['Controller', 'string', 0, 'Controller of the object'], ['Revision', 'integer', 0, 'Revision indicates the revision of the state represented by Data.'], ageCol],
    cells(o) {
      const c = o as ControllerRevision;
      const owner = c.metadata.ownerReferences?.find((r) => r.controller);
      return [c.metadata.name, owner ? `${owner.kind.toLowerCase()}.${owner.apiVersion.split('/')[0]}/${owner.name}` : '<none>', c.revision, age(c.metadata.creationTimestamp)];
    },
  },
  Lease: {
    columns: [nameCol, ['Holder', 'string', 0, 'holderIdentity contains the identity of the holder of a current lease.'], ageCol],
    cells(o) {
      const l = o as Lease;
      return [l.metadata.name, l.spec?.holderIdentity ?? '', age(l.metadata.creationTimestamp)];
    },
  },
} satisfies Record<string, Printer>;

const defaultPrinter: Printer = { columns: [nameCol, ageCol], cells: (o) => [o.metadata.name, age(o.metadata.creationTimestamp)] };

/** Row object: the full object, or a PartialObjectMetadata when includeObject=Metadata (kubectl's default). */
function rowObject(o: KubeObject, include: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(printer: Printer | undefined, items: KubeObject[], resourceVersion: string | undefined, includeObject = 'Metadata', withColumns = true): Table {
  const p = printer ?? defaultPrinter;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: resourceVersion ? { resourceVersion } : {},
    columnDefinitions: withColumns ? p.columns.map(([name, type, priority, description]) => ({ name, type, format: name === 'Name' ? 'name' : '', description, priority })) : [],
    rows: items.map((o) => ({ cells: p.cells(o), object: rowObject(o, includeObject) })),
  };
}
