import {
  budgetSelects,
  controllerOf,
  isPodReady,
  objectKey,
  R,
  scaledValue,
  semanticJson,
  setCondition,
  type Condition,
  type Deployment,
  type KubeObject,
  type OwnerReference,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
  type ReplicationController,
  type StatefulSet,
  type Stored,
} from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';

// The disruption controller, as Kubernetes': for each PodDisruptionBudget, how many of its pods
// are healthy (Ready, not being deleted, not just evicted), how many it needs, and so how many
// evictions it allows now. A percentage, or maxUnavailable, is of the pods the owning
// controllers want (a Deployment's, ReplicaSet's, ReplicationController's or StatefulSet's
// replicas); an integer minAvailable is of the pods that exist. A pod the eviction subresource
// let go stays out of the count until it is deleted, or for two minutes.

const DELETION_TIMEOUT_MS = 2 * 60_000;

export interface Budget {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
  disruptedPods: Record<string, string>;
  /** When an entry of disruptedPods expires and the count must be redone. */
  recheckMs?: number;
}

/** The arithmetic, pure: `scaleOf` gives a controller's replicas, or throws for a pod it cannot place. */
export function computeBudget(pdb: PodDisruptionBudget, pods: Pod[], scaleOf: (p: Pod) => { uid: string; replicas: number }, now = Date.now()): Budget {
  const { minAvailable, maxUnavailable } = pdb.spec;
  let expectedPods = pods.length;
  let desiredHealthy = 0;
  if (maxUnavailable !== undefined || typeof minAvailable === 'string') {
    const scales = new Map<string, number>();
    for (const p of pods) {
      const s = scaleOf(p);
      scales.set(s.uid, s.replicas);
    }
    expectedPods = [...scales.values()].reduce((a, b) => a + b, 0);
    if (maxUnavailable !== undefined) desiredHealthy = Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true));
    else desiredHealthy = scaledValue(minAvailable!, expectedPods, true);
  } else if (typeof minAvailable === 'number') desiredHealthy = minAvailable;

  const byName = new Map(pods.map((p) => [p.metadata.name!, p]));
  const disruptedPods: Record<string, string> = {};
  let recheckMs: number | undefined;
  for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
    const p = byName.get(name);
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (!p || p.metadata.deletionTimestamp || !(expires > now)) continue;
    disruptedPods[name] = at;
    recheckMs = Math.min(recheckMs ?? Infinity, expires - now + 50);
  }
  const currentHealthy = pods.filter((p) => !p.metadata.deletionTimestamp && !disruptedPods[p.metadata.name!] && isPodReady(p)).length;
  return { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy), disruptedPods, ...(recheckMs !== undefined ? { recheckMs } : {}) };
}

export class DisruptionController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('disruption', { workers: ctx.options.workers, log: ctx.log });
    const budgets = ctx.informers.get<PodDisruptionBudget>(R.pdbs);
    const pods = ctx.informers.get<Pod>(R.pods);
    const enqueue = (b: PodDisruptionBudget): void => this.queue.add(objectKey(b));
    budgets.addEventHandler({ onAdd: enqueue, onUpdate: (_, b) => enqueue(b), onDelete: enqueue });
    const forPod = (p: Pod): void => {
      for (const b of budgets.list()) if (budgetSelects(b, p)) enqueue(b);
    };
    pods.addEventHandler({
      onAdd: forPod,
      onUpdate: (old, p) => {
        forPod(p);
        if (JSON.stringify(old.metadata.labels) !== JSON.stringify(p.metadata.labels)) forPod(old);
      },
      onDelete: forPod,
    });
    // A controller's replicas change what a percentage means.
    const inNamespace = (o: KubeObject): void => budgets.list().filter((b) => b.metadata.namespace === o.metadata.namespace).forEach(enqueue);
    for (const r of [R.deployments, R.replicasets, R.replicationcontrollers, R.statefulsets]) ctx.informers.get(r).addEventHandler({ onAdd: inNamespace, onUpdate: (_, o) => inNamespace(o), onDelete: inNamespace });
  }

  /** Kubernetes' finders: a ReplicaSet counts as its Deployment when it has one. */
  private scaleOf(p: Pod): { uid: string; replicas: number } {
    const ref = controllerOf(p);
    if (!ref) throw new NoScale('NoControllerRef', `found no controller ref for pod "${p.metadata.name}"`);
    const ns = p.metadata.namespace;
    const get = <T extends KubeObject>(r: typeof R.pods, o: OwnerReference): Stored<T> | undefined => {
      const obj = this.ctx.informers.get<T>(r).get(`${ns}/${o.name}`);
      return obj && obj.metadata.uid === o.uid ? obj : undefined;
    };
    if (ref.kind === 'ReplicaSet') {
      const rs = get<ReplicaSet>(R.replicasets, ref);
      const owner = rs && controllerOf(rs);
      const d = owner?.kind === 'Deployment' ? get<Deployment>(R.deployments, owner) : undefined;
      if (d) return { uid: d.metadata.uid, replicas: d.spec.replicas ?? 1 };
      if (rs) return { uid: rs.metadata.uid, replicas: rs.spec.replicas ?? 1 };
    }
    if (ref.kind === 'ReplicationController') {
      const rc = get<ReplicationController>(R.replicationcontrollers, ref);
      if (rc) return { uid: rc.metadata.uid, replicas: rc.spec.replicas ?? 1 };
    }
    if (ref.kind === 'StatefulSet') {
      const s = get<StatefulSet>(R.statefulsets, ref);
      if (s) return { uid: s.metadata.uid, replicas: s.spec.replicas ?? 1 };
    }
    throw new NoScale('NoControllers', `found no controllers for pod "${p.metadata.name}"`);
  }

  protected async sync(key: string): Promise<void> {
    const pdb = this.ctx.informers.get<PodDisruptionBudget>(R.pdbs).get(key);
    if (!pdb) return;
    const pods = this.ctx.informers.get<Pod>(R.pods).list().filter((p) => budgetSelects(pdb, p));
    const conditions: Condition[] = structuredClone(pdb.status?.conditions ?? []);
    let status: NonNullable<PodDisruptionBudget['status']>;
    try {
      const b = computeBudget(pdb, pods, (p) => this.scaleOf(p));
      if (b.recheckMs) this.queue.addAfter(key, b.recheckMs);
      status = { observedGeneration: pdb.metadata.generation ?? 0, disruptionsAllowed: b.disruptionsAllowed, currentHealthy: b.currentHealthy, desiredHealthy: b.desiredHealthy, expectedPods: b.expectedPods, ...(Object.keys(b.disruptedPods).length ? { disruptedPods: b.disruptedPods } : {}), conditions };
      const allowed = b.disruptionsAllowed > 0;
      setCondition(conditions, { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: status.observedGeneration ?? 0 });
    } catch (err) {
      if (!(err instanceof NoScale)) throw err;
      // Kubernetes' fail-safe: no disruption allowed until the budget can be worked out.
      this.ctx.events.warning(pdb, err.reason, err.message);
      status = { ...pdb.status, observedGeneration: pdb.metadata.generation ?? 0, disruptionsAllowed: 0, currentHealthy: pdb.status?.currentHealthy ?? 0, desiredHealthy: pdb.status?.desiredHealthy ?? 0, expectedPods: pdb.status?.expectedPods ?? 0, conditions };
      setCondition(conditions, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: err.message, observedGeneration: status.observedGeneration ?? 0 });
    }
    if (semanticJson(status) === semanticJson(pdb.status ?? {})) return;
    await this.ctx.api.updateStatus<PodDisruptionBudget>(R.pdbs, { ...pdb, status });
  }
}

class NoScale extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
