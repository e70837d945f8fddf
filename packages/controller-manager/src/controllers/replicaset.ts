import { controllerOf, isPodReady, objectKey, R, selectorFromLabelSelector, type ApiError, type KubeObject, type Pod, type PodTemplateSpec, type ReplicaSet, type ReplicationController, type ResourceInfo, type Selector, errorCode, type Stored } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { Expectations } from '../expectations';
import { isActivePod, ownerRef, podAvailability, podFromTemplate } from '../pod-util';

// ReplicaSet: exactly spec.replicas active pods matching the selector. Adopts orphans that
// match, releases owned pods that no longer match, deletes the least valuable pods first, and
// waits on expectations so a lagging cache never creates or deletes twice. The same controller
// keeps ReplicationControllers, whose selector is a label map (Kubernetes runs its ReplicaSet
// controller for them too, through a conversion).

/** An object that keeps replicas of its pod template. */
type ReplicaOwner = KubeObject & { spec: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec }; status?: ReplicaSet['status'] };

/** What the controller needs to know of the kind it keeps. */
export interface ReplicaKind<T extends ReplicaOwner> {
  name: string;
  kind: string;
  resource: ResourceInfo;
  selector(o: T): Selector | null | undefined;
}

export const REPLICA_SETS: ReplicaKind<ReplicaSet> = { name: 'replicaset', kind: 'ReplicaSet', resource: R.replicasets, selector: (rs) => selectorFromLabelSelector(rs.spec.selector) };

export const REPLICATION_CONTROLLERS: ReplicaKind<ReplicationController> = {
  name: 'replicationcontroller',
  kind: 'ReplicationController',
  resource: R.replicationcontrollers,
  // An empty map would select every pod; validation refuses it, and here it selects none.
  selector: (rc) => (Object.keys(rc.spec.selector ?? {}).length ? selectorFromLabelSelector({ matchLabels: rc.spec.selector ?? {} }) : undefined),
};

/** Lower sorts first: deleted first (Kubernetes' ActivePods ordering). */
export function deletionRank(a: Pod, b: Pod): number {
  const assigned = (p: Pod): number => (p.spec.nodeName ? 1 : 0);
  const order: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
  const phase = (p: Pod): number => order[p.status?.phase ?? 'Pending'] ?? 0;
  const ready = (p: Pod): number => (isPodReady(p) ? 1 : 0);
  const restarts = (p: Pod): number => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
  const created = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return assigned(a) - assigned(b) || phase(a) - phase(b) || ready(a) - ready(b) || restarts(b) - restarts(a) || created(b) - created(a);
}

const BURST = 500;

export class ReplicaSetController<T extends ReplicaOwner = ReplicaSet> extends QueueController {
  private readonly expectations = new Expectations();

  constructor(
    protected readonly ctx: ControllerContext,
    private readonly k: ReplicaKind<T> = REPLICA_SETS as unknown as ReplicaKind<T>,
  ) {
    super(k.name, { workers: ctx.options.workers, log: ctx.log });
    const sets = ctx.informers.get<T>(k.resource);
    const pods = ctx.informers.get<Pod>(R.pods);
    sets.addEventHandler({
      onAdd: (rs) => this.queue.add(objectKey(rs)),
      onUpdate: (_, rs) => this.queue.add(objectKey(rs)),
      onDelete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.queue.add(objectKey(rs));
      },
    });
    const owner = (p: Pod): string | undefined => {
      const ref = controllerOf(p);
      return ref?.kind === k.kind ? `${p.metadata.namespace}/${ref.name}` : undefined;
    };
    // Orphans may be adopted by any matching ReplicaSet of their namespace.
    const matching = (p: Pod): string[] => sets.list().filter((rs) => rs.metadata.namespace === p.metadata.namespace && k.selector(rs)?.matches(p.metadata.labels)).map((rs) => objectKey(rs));
    pods.addEventHandler({
      onAdd: (p) => {
        const o = owner(p);
        if (o) {
          this.expectations.creationObserved(o);
          this.queue.add(o);
        } else matching(p).forEach((k) => this.queue.add(k));
      },
      onUpdate: (old, p) => {
        const o = owner(p);
        if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp && o) this.expectations.deletionObserved(o);
        const before = owner(old);
        if (before && before !== o) this.queue.add(before);
        if (o) this.queue.add(o);
        else matching(p).forEach((k) => this.queue.add(k));
      },
      onDelete: (p) => {
        const o = owner(p);
        if (!o) return;
        if (!p.metadata.deletionTimestamp) this.expectations.deletionObserved(o);
        this.queue.add(o);
      },
    });
  }

  protected async sync(key: string): Promise<void> {
    const rs = this.ctx.informers.get<T>(this.k.resource).get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const selector = this.k.selector(rs);
    const all = this.ctx.informers.get<Pod>(R.pods).list().filter((p) => p.metadata.namespace === rs.metadata.namespace);
    const owned: Stored<Pod>[] = [];
    for (const p of all) {
      const ref = controllerOf(p);
      const matches = selector?.matches(p.metadata.labels) ?? false;
      if (ref && ref.uid !== rs.metadata.uid) continue;
      if (ref && !matches) {
        await this.release(p);
        continue;
      }
      if (!ref && matches && !p.metadata.deletionTimestamp && !rs.metadata.deletionTimestamp) {
        if (await this.adopt(rs, p)) owned.push(p);
        continue;
      }
      if (ref) owned.push(p);
    }
    const active = owned.filter(isActivePod);
    if (!rs.metadata.deletionTimestamp && this.expectations.satisfied(key)) await this.manageReplicas(rs, active, key);
    await this.updateStatus(rs, active);
  }

  private async adopt(rs: T, p: Stored<Pod>): Promise<boolean> {
    try {
      await this.ctx.api.patch(R.pods, p.metadata.namespace, p.metadata.name, 'merge', { metadata: { ownerReferences: [...(p.metadata.ownerReferences ?? []), ownerRef(rs)], uid: p.metadata.uid } });
      return true;
    } catch (err) {
      if (errorCode(err) === 404) return false;
      throw err;
    }
  }

  private async release(p: Stored<Pod>): Promise<void> {
    const refs = (p.metadata.ownerReferences ?? []).filter((r) => !r.controller);
    await this.ctx.api.patch(R.pods, p.metadata.namespace, p.metadata.name, 'merge', { metadata: { ownerReferences: refs.length ? refs : null } }).catch((err: ApiError) => {
      if (err.code !== 404) throw err;
    });
  }

  private async manageReplicas(rs: T, active: Stored<Pod>[], key: string): Promise<void> {
    const want = rs.spec.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      const n = Math.min(-diff, BURST);
      this.expectations.expect(key, n, 0);
      // Slow start, as Kubernetes: batches of 1, 2, 4, ... stop at the first failure.
      let created = 0;
      for (let batch = 1; created < n; batch *= 2) {
        const size = Math.min(batch, n - created);
        const results = await Promise.allSettled(Array.from({ length: size }, () => this.ctx.api.create(R.pods, podFromTemplate(rs.spec.template!, rs, { generateName: `${rs.metadata.name}-` }))));
        created += size;
        const failed = results.filter((r) => r.status === 'rejected');
        if (failed.length > 0) {
          for (let i = 0; i < failed.length + (n - created); i++) this.expectations.creationObserved(key);
          const reason = (failed[0] as PromiseRejectedResult).reason as Error;
          this.ctx.events.warning(rs, 'FailedCreate', `Error creating: ${reason.message}`);
          throw reason;
        }
      }
      this.ctx.events.normal(rs, 'SuccessfulCreate', `Created ${n} pod${n > 1 ? 's' : ''}`);
    } else if (diff > 0) {
      const victims = [...active].sort(deletionRank).slice(0, Math.min(diff, BURST));
      this.expectations.expect(key, 0, victims.length);
      await Promise.all(
        victims.map(async (p) => {
          try {
            await this.ctx.api.delete(R.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
            this.ctx.events.normal(rs, 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key);
            if (errorCode(err) !== 404 && errorCode(err) !== 409) throw err;
          }
        }),
      );
    }
  }

  private async updateStatus(rs: T, active: Pod[]): Promise<void> {
    const templateLabels = rs.spec.template?.metadata?.labels ?? {};
    let recheck: number | undefined;
    const available = active.filter((p) => {
      const a = podAvailability(p, rs.spec.minReadySeconds ?? 0);
      if (a.recheckMs) recheck = Math.min(recheck ?? a.recheckMs, a.recheckMs);
      return a.available;
    }).length;
    if (recheck) this.queue.addAfter(objectKey(rs), recheck);
    const status = {
      ...rs.status,
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 0,
    };
    const cur = rs.status ?? { replicas: 0 };
    if (
      cur.replicas === status.replicas &&
      cur.fullyLabeledReplicas === status.fullyLabeledReplicas &&
      cur.readyReplicas === status.readyReplicas &&
      cur.availableReplicas === status.availableReplicas &&
      cur.observedGeneration === status.observedGeneration
    )
      return;
    await this.ctx.api.updateStatus<T>(this.k.resource, { ...rs, status });
  }
}
