import { controllerOf, getCondition, timestamp, objectKey, R, selectorFromLabelSelector, setCondition, type ApiError, type Condition, type Deployment, type Pod, type PodTemplateSpec, type ReplicaSet, errorCode, semanticJson, withoutConditionTimes, type Stored } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { isActivePod, ownerRef, templateHash } from '../pod-util';
import { newRSReplicas, resolveFenceposts, scaleDownOld } from './rollout';

// Deployment: one ReplicaSet per pod template (`<name>-<pod-template-hash>`), rolled with
// RollingUpdate (maxSurge / maxUnavailable) or Recreate, revision annotations, history limit,
// pause, and the Progressing / Available conditions `kubectl rollout status` reads.

export const REVISION = 'deployment.kubernetes.io/revision';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const HASH_LABEL = 'pod-template-hash';

function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  return Number(o.metadata.annotations?.[REVISION] ?? 0) || 0;
}

/** The template without the hash label, for comparing a ReplicaSet's template with the deployment's. */
function templateKey(t: PodTemplateSpec): string {
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[HASH_LABEL];
  return semanticJson({ ...t, metadata: { ...t.metadata, labels } });
}

export class DeploymentController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('deployment', { workers: ctx.options.workers, log: ctx.log });
    const deployments = ctx.informers.get<Deployment>(R.deployments);
    const sets = ctx.informers.get<ReplicaSet>(R.replicasets);
    const pods = ctx.informers.get<Pod>(R.pods);
    deployments.addEventHandler({ onAdd: (d) => this.queue.add(objectKey(d)), onUpdate: (_, d) => this.queue.add(objectKey(d)), onDelete: (d) => this.queue.add(objectKey(d)) });
    const ownerOfRS = (rs: ReplicaSet): void => {
      const ref = controllerOf(rs);
      if (ref?.kind === 'Deployment') this.queue.add(`${rs.metadata.namespace}/${ref.name}`);
      else for (const d of deployments.list()) if (d.metadata.namespace === rs.metadata.namespace && selectorFromLabelSelector(d.spec.selector)?.matches(rs.metadata.labels)) this.queue.add(objectKey(d));
    };
    sets.addEventHandler({ onAdd: ownerOfRS, onUpdate: (_, rs) => ownerOfRS(rs), onDelete: ownerOfRS });
    // Recreate waits for old pods to be gone.
    pods.addEventHandler({
      onDelete: (p) => {
        const ref = controllerOf(p);
        const rs = ref?.kind === 'ReplicaSet' ? sets.get(`${p.metadata.namespace}/${ref.name}`) : undefined;
        if (rs) ownerOfRS(rs);
      },
    });
  }

  protected async sync(key: string): Promise<void> {
    const d = this.ctx.informers.get<Deployment>(R.deployments).get(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(d.spec.selector);
    const sets: Stored<ReplicaSet>[] = [];
    for (const rs of this.ctx.informers.get<ReplicaSet>(R.replicasets).list()) {
      if (rs.metadata.namespace !== d.metadata.namespace) continue;
      const ref = controllerOf(rs);
      if (ref?.uid === d.metadata.uid) sets.push(rs);
      else if (!ref && selector?.matches(rs.metadata.labels) && !rs.metadata.deletionTimestamp) {
        const adopted = await this.ctx.api.patch<ReplicaSet>(R.replicasets, rs.metadata.namespace, rs.metadata.name, 'merge', { metadata: { ownerReferences: [ownerRef(d)], uid: rs.metadata.uid } });
        sets.push(adopted);
      }
    }
    const want = templateKey(d.spec.template);
    let newRS = sets.filter((rs) => templateKey(rs.spec.template) === want).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    let old = sets.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...old.map(revisionOf));

    if (d.spec.paused) {
      await this.syncScaleOnly(d, newRS, old);
      return this.writeStatus(d, sets, newRS, false);
    }
    if (!newRS) {
      newRS = await this.createNewRS(d, sets, maxOldRevision + 1);
      sets.push(newRS);
      old = sets.filter((rs) => rs !== newRS);
    } else if (revisionOf(newRS) <= maxOldRevision || revisionOf(newRS) === 0) {
      // A rollback to an old template: that ReplicaSet becomes the newest revision.
      newRS = await this.annotate(newRS, { [REVISION]: String(maxOldRevision + 1) });
      sets.splice(sets.findIndex((s) => s.metadata.uid === newRS!.metadata.uid), 1, newRS);
    }
    const revision = String(revisionOf(newRS));
    if (d.metadata.annotations?.[REVISION] !== revision) {
      await this.ctx.api.patch(R.deployments, d.metadata.namespace, d.metadata.name, 'merge', { metadata: { annotations: { [REVISION]: revision } } });
    }

    if (d.spec.strategy?.type === 'Recreate') {
      const oldActive = old.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
      if (oldActive > 0) {
        for (const rs of old) if ((rs.spec.replicas ?? 0) > 0) await this.scale(d, rs, 0);
      } else if (!this.oldPodsRunning(old)) await this.scale(d, newRS, d.spec.replicas ?? 1);
    } else {
      // More than the deployment wants (it was scaled down): down to that at once, as
      // Kubernetes' reconcileNewReplicaSet; otherwise up as far as maxSurge allows.
      const want = d.spec.replicas ?? 1;
      const target = (newRS.spec.replicas ?? 0) > want ? want : newRSReplicas(d, sets, newRS);
      if (target !== (newRS.spec.replicas ?? 0)) newRS = await this.scale(d, newRS, target);
      const all = sets.map((s) => (s.metadata.uid === newRS!.metadata.uid ? newRS! : s));
      for (const [name, n] of scaleDownOld(d, all, newRS, old)) {
        const rs = old.find((s) => s.metadata.name === name)!;
        await this.scale(d, rs, n);
      }
    }
    await this.cleanup(d, old);
    await this.writeStatus(d, sets, newRS, true);
  }

  private oldPodsRunning(old: ReplicaSet[]): boolean {
    const uids = new Set(old.map((rs) => rs.metadata.uid));
    return this.ctx.informers
      .get<Pod>(R.pods)
      .list()
      .some((p) => uids.has(controllerOf(p)?.uid) && (isActivePod(p) || (p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')));
  }

  private async createNewRS(d: Deployment, sets: ReplicaSet[], revision: number): Promise<Stored<ReplicaSet>> {
    let collision = d.status?.collisionCount ?? 0;
    for (;;) {
      const hash = templateHash(d.spec.template, collision);
      const template: PodTemplateSpec = structuredClone(d.spec.template);
      template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
      const { maxSurge } = resolveFenceposts(d);
      const replicas = d.spec.replicas ?? 1;
      const initial = d.spec.strategy?.type === 'Recreate' ? 0 : newRSReplicas(d, sets, { metadata: {}, spec: { replicas: 0, selector: d.spec.selector, template } });
      const rs: ReplicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: d.metadata.namespace,
          labels: { ...(template.metadata.labels ?? {}) },
          annotations: { [REVISION]: String(revision), [DESIRED]: String(replicas), [MAX]: String(replicas + maxSurge) },
          ownerReferences: [ownerRef(d)],
        },
        spec: {
          replicas: initial,
          minReadySeconds: d.spec.minReadySeconds ?? 0,
          selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [HASH_LABEL]: hash } },
          template,
        },
      };
      try {
        const created = await this.ctx.api.create<ReplicaSet>(R.replicasets, rs);
        this.ctx.events.normal(d, 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} to ${initial}`);
        return created;
      } catch (err) {
        if (errorCode(err) !== 409) throw err;
        // A ReplicaSet of that name with another template (a hash collision), or ours that the
        // cache has not shown yet: look at it.
        const existing = await this.ctx.api.get<ReplicaSet>(R.replicasets, d.metadata.namespace, rs.metadata.name!);
        if (controllerOf(existing)?.uid === d.metadata.uid && templateKey(existing.spec.template) === templateKey(d.spec.template)) return existing;
        collision++;
        await this.ctx.api.patch(R.deployments, d.metadata.namespace, d.metadata.name!, 'merge', { status: { collisionCount: collision } }, true);
      }
    }
  }

  private async annotate(rs: Stored<ReplicaSet>, annotations: Record<string, string>): Promise<Stored<ReplicaSet>> {
    return this.ctx.api.patch<ReplicaSet>(R.replicasets, rs.metadata.namespace, rs.metadata.name!, 'merge', { metadata: { annotations } });
  }

  private async scale(d: Deployment, rs: Stored<ReplicaSet>, replicas: number): Promise<Stored<ReplicaSet>> {
    const from = rs.spec.replicas ?? 0;
    if (from === replicas) return rs;
    const { maxSurge } = resolveFenceposts(d);
    const updated = await this.ctx.api.update<ReplicaSet>(R.replicasets, {
      ...rs,
      metadata: { ...rs.metadata, annotations: { ...rs.metadata.annotations, [DESIRED]: String(d.spec.replicas ?? 1), [MAX]: String((d.spec.replicas ?? 1) + maxSurge) } },
      spec: { ...rs.spec, replicas },
    });
    this.ctx.events.normal(d, 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
    return updated;
  }

  /** Paused: a changed replica count still reaches the ReplicaSets (the newest active one). */
  private async syncScaleOnly(d: Deployment, newRS: Stored<ReplicaSet> | undefined, old: Stored<ReplicaSet>[]): Promise<void> {
    const active = [newRS, ...old].filter((rs): rs is Stored<ReplicaSet> => !!rs && (rs.spec.replicas ?? 0) > 0);
    if (active.length === 1 && (active[0]!.spec.replicas ?? 0) !== (d.spec.replicas ?? 1)) await this.scale(d, active[0]!, d.spec.replicas ?? 1);
  }

  /** Old ReplicaSets beyond revisionHistoryLimit, once empty, are deleted (oldest first). */
  private async cleanup(d: Stored<Deployment>, old: Stored<ReplicaSet>[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const empty = old.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of empty.slice(0, Math.max(0, empty.length - limit))) {
      await this.ctx.api.delete(R.replicasets, rs.metadata.namespace, rs.metadata.name, { preconditions: { uid: rs.metadata.uid } }).catch((err: ApiError) => {
        if (err.code !== 404 && err.code !== 409) throw err;
      });
    }
  }

  private async writeStatus(d: Deployment, sets: ReplicaSet[], newRS: ReplicaSet | undefined, progressing: boolean): Promise<void> {
    const fresh = sets.map((s) => this.ctx.informers.get<ReplicaSet>(R.replicasets).get(objectKey(s)) ?? s);
    const nrs = newRS ? (fresh.find((s) => s.metadata.uid === newRS.metadata.uid) ?? newRS) : undefined;
    const sum = (f: (rs: ReplicaSet) => number): number => fresh.reduce((n, rs) => n + f(rs), 0);
    const replicas = d.spec.replicas ?? 1;
    const availableReplicas = sum((rs) => rs.status?.availableReplicas ?? 0);
    const totalSpec = sum((rs) => rs.spec.replicas ?? 0);
    const status: NonNullable<Deployment['status']> = {
      ...d.status,
      observedGeneration: d.metadata.generation ?? 0,
      replicas: sum((rs) => rs.status?.replicas ?? 0),
      updatedReplicas: nrs?.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
      availableReplicas,
      unavailableReplicas: Math.max(0, totalSpec - availableReplicas),
    };
    const conds: Condition[] = (d.status?.conditions ?? []).map((c) => ({ ...c }));
    const now = timestamp();
    const { maxUnavailable } = resolveFenceposts(d);
    setCondition(
      conds,
      availableReplicas >= replicas - maxUnavailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: now },
      now,
    );
    const name = nrs?.metadata.name ?? '';
    const complete = !!nrs && status.updatedReplicas === replicas && status.replicas === replicas && availableReplicas === replicas && (nrs.spec.replicas ?? 0) === replicas;
    const prev = getCondition(conds, 'Progressing');
    if (d.spec.paused) setCondition(conds, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused', lastUpdateTime: now }, now);
    else if (progressing && complete) setCondition(conds, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}" has successfully progressed.`, lastUpdateTime: prev?.reason === 'NewReplicaSetAvailable' ? prev.lastUpdateTime! : now }, now);
    else if (progressing) {
      const moved = semanticJson({ ...d.status, conditions: undefined }) !== semanticJson({ ...status, conditions: undefined });
      const deadline = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
      const last = Date.parse(prev?.lastUpdateTime ?? '') || Date.now();
      if (!moved && prev?.status === 'True' && prev.reason !== 'NewReplicaSetAvailable' && Date.now() - last > deadline)
        setCondition(conds, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${name}" has timed out progressing.`, lastUpdateTime: now }, now);
      else if (moved || prev?.reason !== 'ReplicaSetUpdated') setCondition(conds, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.`, lastUpdateTime: now }, now);
      if (prev?.reason !== 'ProgressDeadlineExceeded') this.queue.addAfter(objectKey(d), deadline + 1000);
    }
    status.conditions = conds;
    if (semanticJson(withoutConditionTimes(status)) === semanticJson(withoutConditionTimes(d.status ?? {}))) return;
    await this.ctx.api.updateStatus<Deployment>(R.deployments, { ...d, status });
  }
}
