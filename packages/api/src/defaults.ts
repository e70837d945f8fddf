// Defaulting as the Kubernetes apiserver does it for each served kind.
import type { Container, PersistentVolumeClaim, Pod, PodSpec, Probe, Service, Toleration } from './core';
import type { DaemonSet, Deployment, ReplicaSet, ReplicationController, StatefulSet } from './apps';
import type { CronJob, Job } from './batch';
import type { KubeObject } from './meta';
import type { LimitRange } from './quota';

/** imagePullPolicy by tag: `:latest` or no tag -> Always, otherwise IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) {
    p.httpGet.path ??= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  // Limits without requests: requests default to limits.
  if (c.resources.limits) {
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(c.resources.limits)) c.resources.requests[k] ??= v;
  }
}

export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    // A volume that names no source is an emptyDir, as Kubernetes defaults it.
    if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  }
  // A hostNetwork pod's ports are the node's: hostPort defaults to containerPort.
  if (spec.hostNetwork) for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) for (const p of c.ports ?? []) p.hostPort ??= p.containerPort;
}

/** The DefaultTolerationSeconds admission plugin: pods tolerate not-ready/unreachable for 300 s. */
export function addDefaultTolerations(spec: PodSpec, notReadySeconds = 300, unreachableSeconds = notReadySeconds): void {
  const tolerations: Toleration[] = (spec.tolerations ??= []);
  const defaults: [string, number][] = [
    ['node.kubernetes.io/not-ready', notReadySeconds],
    ['node.kubernetes.io/unreachable', unreachableSeconds],
  ];
  for (const [key, seconds] of defaults) {
    const has = tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
    if (!has) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
}

function defaultReplicas<T extends { spec: { replicas?: number } }>(o: T): void {
  o.spec.replicas ??= 1;
}

// Each kind's defaulting, as Kubernetes' SetDefaults_<Kind>; each kind's strategy in the apiserver calls its own.

export function defaultPod(pod: Pod): void {
  defaultPodSpec((pod.spec ??= { containers: [] }));
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  defaultReplicas(rs);
  if (rs.spec.template?.spec) defaultPodSpec(rs.spec.template.spec);
}

/** Kubernetes' SetDefaults_ReplicationController: selector and labels from the template's labels. */
export function defaultReplicationController(rc: ReplicationController): void {
  if (!rc.spec) return;
  const labels = rc.spec?.template?.metadata?.labels;
  if (labels && Object.keys(labels).length) {
    if (!rc.spec.selector || !Object.keys(rc.spec.selector).length) rc.spec.selector = { ...labels };
    if (!rc.metadata.labels || !Object.keys(rc.metadata.labels).length) rc.metadata.labels = { ...labels };
  }
  defaultReplicas(rc);
  if (rc.spec?.template?.spec) defaultPodSpec(rc.spec.template.spec);
}

/** Kubernetes' SetDefaults_Job. */
export function defaultJob(j: Job): void {
  if (!j.spec) return;
  if (j.spec.completions === undefined && j.spec.parallelism === undefined) j.spec.completions = 1;
  j.spec.parallelism ??= 1;
  j.spec.backoffLimit ??= 6;
  j.spec.completionMode ??= 'NonIndexed';
  j.spec.suspend ??= false;
  j.spec.manualSelector ??= false;
  if (j.spec.template?.spec) defaultPodSpec(j.spec.template.spec);
}

/** Kubernetes' SetDefaults_CronJob. */
export function defaultCronJob(cj: CronJob): void {
  if (!cj.spec) return;
  cj.spec.concurrencyPolicy ??= 'Allow';
  cj.spec.suspend ??= false;
  cj.spec.successfulJobsHistoryLimit ??= 3;
  cj.spec.failedJobsHistoryLimit ??= 1;
  const js = cj.spec.jobTemplate?.spec;
  if (js) {
    // The Job's own defaulting happens when each Job is created; the pod template's now.
    if (js.template?.spec) defaultPodSpec(js.template.spec);
  }
}

export function defaultDeployment(d: Deployment): void {
  defaultReplicas(d);
  const st = (d.spec.strategy ??= {});
  st.type ??= 'RollingUpdate';
  if (st.type === 'RollingUpdate') {
    st.rollingUpdate ??= {};
    st.rollingUpdate.maxUnavailable ??= '25%';
    st.rollingUpdate.maxSurge ??= '25%';
  }
  d.spec.revisionHistoryLimit ??= 10;
  d.spec.progressDeadlineSeconds ??= 600;
  if (d.spec.template?.spec) defaultPodSpec(d.spec.template.spec);
}

export function defaultStatefulSet(s: StatefulSet): void {
  defaultReplicas(s);
  s.spec.podManagementPolicy ??= 'OrderedReady';
  const us = (s.spec.updateStrategy ??= {});
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    us.rollingUpdate ??= {};
    us.rollingUpdate.partition ??= 0;
  }
  s.spec.revisionHistoryLimit ??= 10;
  s.spec.persistentVolumeClaimRetentionPolicy ??= {};
  s.spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
  s.spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
  for (const t of s.spec.volumeClaimTemplates ?? []) defaultPvc(t);
  if (s.spec.template?.spec) defaultPodSpec(s.spec.template.spec);
}

/** Kubernetes' SetDefaults_DaemonSet. */
export function defaultDaemonSet(ds: DaemonSet): void {
  if (!ds.spec) return;
  const us = (ds.spec.updateStrategy ??= {});
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    us.rollingUpdate ??= {};
    us.rollingUpdate.maxUnavailable ??= 1;
    us.rollingUpdate.maxSurge ??= 0;
  }
  ds.spec.revisionHistoryLimit ??= 10;
  if (ds.spec.template?.spec) defaultPodSpec(ds.spec.template.spec);
}

export function defaultService(svc: Service): void {
  svc.spec ??= {};
  svc.spec.type ??= 'ClusterIP';
  svc.spec.sessionAffinity ??= 'None';
  if (svc.spec.sessionAffinity === 'ClientIP') {
    svc.spec.sessionAffinityConfig ??= {};
    svc.spec.sessionAffinityConfig.clientIP ??= {};
    svc.spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (svc.spec.type !== 'ExternalName') {
    svc.spec.internalTrafficPolicy ??= 'Cluster';
    svc.spec.ipFamilies ??= ['IPv4'];
    svc.spec.ipFamilyPolicy ??= 'SingleStack';
  }
  if (svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer') svc.spec.externalTrafficPolicy ??= 'Cluster';
  for (const p of svc.spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
}

export function defaultNamespace(ns: KubeObject & { spec?: { finalizers?: string[] } }): void {
  ns.spec ??= {};
  ns.spec.finalizers ??= ['kubernetes'];
}

export function defaultEndpoints(ep: KubeObject & { subsets?: { ports?: { protocol?: string }[] }[] }): void {
  for (const s of ep.subsets ?? []) for (const p of s.ports ?? []) p.protocol ??= 'TCP';
}

export function defaultEvent(ev: KubeObject & { type?: string }): void {
  ev.type ??= 'Normal';
}

export function defaultPvc(p: PersistentVolumeClaim): void {
  p.spec ??= {};
  p.spec.volumeMode ??= 'Filesystem';
}

/** Kubernetes' SetDefaults_LimitRangeItem: a Container item's default limit is its max, its default request the default limit, else the min. */
export function defaultLimitRange(lr: LimitRange): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item?.type !== 'Container') continue;
    const def = (item.default ??= {});
    const req = (item.defaultRequest ??= {});
    for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
    for (const [k, v] of Object.entries(def)) req[k] ??= v;
    for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
  }
}
