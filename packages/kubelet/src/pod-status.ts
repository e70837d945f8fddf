import { qosClass, setCondition, timestamp, type Condition, type Container, type ContainerState, type ContainerStatus, type Pod, type PodPhase, type PodStatus } from '@tinykube/api';
import type { ContainerDetails } from './docker-runtime';

// The pod's status computed from what Docker reports, the kubelet's waiting reasons and the
// probe results: phase and conditions as the kubelet's getPhase and generateAPIPodStatus.

export interface Instance {
  id: string;
  attempt: number;
  details: ContainerDetails;
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
      ...(d.error ? { message: d.error } : {}),
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

/** The kubelet's getPhase. */
export function podPhase(pod: Pod, statuses: ContainerStatus[]): PodPhase {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function podStatus(pod: Pod, views: ContainerView[], podIP: string, hostIP: string, now = new Date()): PodStatus {
  const stamp = timestamp(now.getTime());
  const old = pod.status ?? {};
  const containerStatuses = views.map(containerStatus);
  const phase = podPhase(pod, containerStatuses);
  const conditions: Condition[] = (old.conditions ?? []).map((c) => ({ ...c }));
  const notReady = containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const ready: Condition =
    notReady.length === 0 && !terminal
      ? { type: 'Ready', status: 'True' }
      : { type: 'Ready', status: 'False', reason: terminal ? 'PodCompleted' : 'ContainersNotReady', message: terminal ? '' : `containers with unready status: [${notReady.join(' ')}]` };
  setCondition(conditions, { type: 'PodScheduled', status: 'True' }, stamp);
  setCondition(conditions, { type: 'Initialized', status: 'True', ...(terminal ? { reason: 'PodCompleted' } : {}) }, stamp);
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
    containerStatuses,
    qosClass: old.qosClass ?? qosClass(pod),
  };
}

