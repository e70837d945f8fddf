import { qosClass, setCondition, timestamp, type Condition, type Container, type ContainerState, type ContainerStatus, type Pod, type PodPhase, type PodStatus } from '@tinykube/api';
import type { ContainerDetails } from './docker-runtime';

// The pod's status computed from what Docker reports, the kubelet's waiting reasons and the
// probe results: phase and conditions as the kubelet's getPhase and generateAPIPodStatus.

export interface Instance {
  id: string;
  attempt: number;
  details: ContainerDetails;
  /** The termination message (terminationMessagePath, or the log's tail), once it exited. */
  message?: string;
}

export interface ContainerView {
  spec: Container;
  /** The latest attempt. */
  current?: Instance;
  /** The attempt before it, if still kept. */
  previous?: Instance;
  /** Why it is not running now (ContainerCreating, ErrImagePull, CrashLoopBackOff, ...). */
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
}

function terminated(i: Instance): ContainerState {
  const d = i.details;
  const reason = d.oomKilled ? 'OOMKilled' : d.exitCode === 0 ? 'Completed' : d.error ? 'ContainerCannotRun' : 'Error';
  return {
    terminated: {
      exitCode: d.exitCode,
      reason,
      ...(i.message ? { message: i.message } : d.error ? { message: d.error } : {}),
      ...(d.startedAt ? { startedAt: d.startedAt } : {}),
      ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
      containerID: `docker://${i.id}`,
    },
  };
}

export function containerStatus(v: ContainerView): ContainerStatus {
  const cur = v.current;
  let state: ContainerState;
  let lastState: ContainerState = {};
  if (cur?.details.running) {
    state = { running: { ...(cur.details.startedAt ? { startedAt: cur.details.startedAt } : {}) } };
    if (v.previous && !v.previous.details.running) lastState = terminated(v.previous);
  } else if (v.waiting) {
    state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
    if (cur) lastState = terminated(cur);
  } else if (cur) {
    state = terminated(cur);
    if (v.previous) lastState = terminated(v.previous);
  } else state = { waiting: { reason: 'ContainerCreating' } };
  return {
    name: v.spec.name,
    state,
    lastState,
    ready: !!cur?.details.running && v.ready,
    restartCount: cur?.attempt ?? 0,
    image: v.spec.image ?? '',
    imageID: cur ? `docker://${cur.details.imageId}` : '',
    ...(cur ? { containerID: `docker://${cur.id}` } : {}),
    started: !!cur?.details.running && v.started,
  };
}

function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * The kubelet's getPhase: regular init containers still to finish keep the pod Pending (one
 * failed under restartPolicy Never fails it); native sidecars count while running, never once
 * stopped; then the app containers by restart policy.
 */
export function podPhase(pod: Pod, statuses: ContainerStatus[], initStatuses: ContainerStatus[] = [], initialized = true): PodPhase {
  const byName = new Map(initStatuses.map((s) => [s.name, s]));
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  for (const c of pod.spec.initContainers ?? []) {
    if (isSidecar(c)) continue;
    const s = byName.get(c.name);
    if (!s || s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting && s.lastState?.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of pod.spec.initContainers ?? []) {
    if (!isSidecar(c)) continue;
    const s = byName.get(c.name);
    if (!s) {
      pendingSidecars++;
      unknown++;
    } else if (s.state?.running) {
      if (!s.started) pendingSidecars++;
      running++;
    } else if (s.state?.waiting && !s.lastState?.terminated) {
      pendingSidecars++;
      waiting++;
    }
  }
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || (pendingSidecars > 0 && !initialized)) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Init containers that have not done their part: regular ones not succeeded, sidecars not started. */
function incompleteInits(pod: Pod, initStatuses: ContainerStatus[]): string[] {
  const byName = new Map(initStatuses.map((s) => [s.name, s]));
  return (pod.spec.initContainers ?? [])
    .filter((c) => {
      const s = byName.get(c.name);
      if (isSidecar(c)) return !s?.started;
      return !(s?.state?.terminated && s.state.terminated.exitCode === 0);
    })
    .map((c) => c.name);
}

export function podStatus(pod: Pod, views: ContainerView[], podIP: string, hostIP: string, initViews: ContainerView[] = [], initialized = true, now = new Date()): PodStatus {
  const stamp = timestamp(now.getTime());
  const old = pod.status ?? {};
  const containerStatuses = views.map(containerStatus);
  const initContainerStatuses = initViews.map((v) => {
    const s = containerStatus(v);
    // A regular init container that succeeded is ready, as the kubelet reports it.
    if (!isSidecar(v.spec) && s.state?.terminated?.exitCode === 0) s.ready = true;
    return s;
  });
  const phase = podPhase(pod, containerStatuses, initContainerStatuses, initialized);
  const conditions: Condition[] = (old.conditions ?? []).map((c) => ({ ...c }));
  const sidecarStatuses = initContainerStatuses.filter((s) => pod.spec.initContainers?.some((c) => c.name === s.name && isSidecar(c)));
  const notReady = [...sidecarStatuses, ...containerStatuses].filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const ready: Condition =
    notReady.length === 0 && !terminal
      ? { type: 'Ready', status: 'True' }
      : { type: 'Ready', status: 'False', reason: terminal ? 'PodCompleted' : 'ContainersNotReady', message: terminal ? '' : `containers with unready status: [${notReady.join(' ')}]` };
  const incomplete = initialized ? [] : incompleteInits(pod, initContainerStatuses);
  const init: Condition =
    incomplete.length === 0
      ? { type: 'Initialized', status: 'True', ...(terminal ? { reason: 'PodCompleted' } : {}) }
      : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` };
  setCondition(conditions, { type: 'PodScheduled', status: 'True' }, stamp);
  setCondition(conditions, init, stamp);
  setCondition(conditions, { ...ready, type: 'ContainersReady' }, stamp);
  setCondition(conditions, ready, stamp);
  for (const c of conditions) c.lastProbeTime = null;
  const order = ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  return {
    ...old,
    phase,
    conditions,
    hostIP,
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old.startTime ?? stamp,
    ...(initContainerStatuses.length ? { initContainerStatuses } : {}),
    containerStatuses,
    qosClass: old.qosClass ?? qosClass(pod),
  };
}
