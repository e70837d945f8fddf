import { controllerOf, getCondition, isPodReady, objectKey, R, selectorFromLabelSelector, type ApiError, type ControllerRevision, type PersistentVolumeClaim, type Pod, type StatefulSet, type Volume, errorCode, semanticJson, type Stored } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { ensureRevision, REVISION_LABEL } from '../controller-revisions';
import { podFromTemplate } from '../pod-util';

// StatefulSet: pods `<name>-<ordinal>` with hostname = pod name and subdomain = serviceName,
// one PersistentVolumeClaim per claim template and ordinal (kept when pods go), OrderedReady
// or Parallel management, RollingUpdate from the highest ordinal down to the partition, and a
// ControllerRevision per template. A pod is only ever re-created by name after the old one is
// really gone (the apiserver refuses a second pod of one name), so no identity runs twice.

export { REVISION_LABEL };
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const m = new RegExp(`^${set.metadata.name!.replace(/[.]/g, '\\.')}-(\\d+)$`).exec(pod.metadata.name ?? '');
  return m ? Number(m[1]) : -1;
}

function runningAndReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && isPodReady(p) && !p.metadata.deletionTimestamp;
}

export class StatefulSetController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('statefulset', { workers: ctx.options.workers, log: ctx.log });
    const sets = ctx.informers.get<StatefulSet>(R.statefulsets);
    ctx.informers.get<PersistentVolumeClaim>(R.pvcs);
    ctx.informers.get<ControllerRevision>(R.controllerrevisions);
    const pods = ctx.informers.get<Pod>(R.pods);
    sets.addEventHandler({ onAdd: (s) => this.queue.add(objectKey(s)), onUpdate: (_, s) => this.queue.add(objectKey(s)), onDelete: (s) => this.queue.add(objectKey(s)) });
    const owner = (p: Pod): void => {
      const ref = controllerOf(p);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${p.metadata.namespace}/${ref.name}`);
    };
    pods.addEventHandler({ onAdd: owner, onUpdate: (_, p) => owner(p), onDelete: owner });
  }

  protected async sync(key: string): Promise<void> {
    const set = this.ctx.informers.get<StatefulSet>(R.statefulsets).get(key);
    if (!set || set.metadata.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(set.spec.selector);
    const pods = this.ctx.informers
      .get<Pod>(R.pods)
      .list()
      .filter((p) => p.metadata.namespace === set.metadata.namespace && controllerOf(p)?.uid === set.metadata.uid && selector?.matches(p.metadata.labels));
    const byOrdinal = new Map<number, Stored<Pod>>();
    for (const p of pods) {
      const i = ordinalOf(set, p);
      if (i >= 0) byOrdinal.set(i, p);
    }
    const revision = await ensureRevision(this.ctx, set, new Set(this.ctx.informers.get<Pod>(R.pods).list().map((p) => p.metadata.labels?.[REVISION_LABEL])));
    const replicas = set.spec.replicas ?? 1;
    const parallel = set.spec.podManagementPolicy === 'Parallel';

    // Create or replace pods 0..replicas-1 (in order, each waiting for the one before).
    for (let i = 0; i < replicas; i++) {
      const p = byOrdinal.get(i);
      if (p && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') && !p.metadata.deletionTimestamp) {
        await this.deletePod(set, p);
        if (!parallel) return this.writeStatus(set, pods, revision);
        continue;
      }
      if (!p) {
        await this.createPod(set, i, revision);
        if (!parallel) return this.writeStatus(set, pods, revision);
        continue;
      }
      if (!parallel && !runningAndReady(p)) return this.writeStatus(set, pods, revision);
    }
    // Scale down from the highest ordinal, one at a time unless Parallel.
    const excess = [...byOrdinal.entries()].filter(([i]) => i >= replicas).sort(([a], [b]) => b - a);
    for (const [, p] of excess) {
      if (p.metadata.deletionTimestamp) {
        if (!parallel) return this.writeStatus(set, pods, revision);
        continue;
      }
      await this.deletePod(set, p);
      if (!parallel) return this.writeStatus(set, pods, revision);
    }
    // Rolling update: highest ordinal first, down to the partition; one at a time.
    if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
      for (let i = replicas - 1; i >= partition; i--) {
        const p = byOrdinal.get(i);
        if (!p) break;
        if (p.metadata.labels?.[REVISION_LABEL] !== revision) {
          if (!p.metadata.deletionTimestamp) await this.deletePod(set, p);
          break;
        }
        if (!runningAndReady(p)) break;
      }
    }
    return this.writeStatus(set, pods, revision);
  }

  private claimName(template: PersistentVolumeClaim, set: StatefulSet, i: number): string {
    return `${template.metadata.name}-${set.metadata.name}-${i}`;
  }

  private async createPod(set: StatefulSet, i: number, revision: string): Promise<void> {
    const name = `${set.metadata.name}-${i}`;
    for (const t of set.spec.volumeClaimTemplates ?? []) {
      const claim = this.claimName(t, set, i);
      if (this.ctx.informers.get<PersistentVolumeClaim>(R.pvcs).get(`${set.metadata.namespace}/${claim}`)) continue;
      await this.ctx.api
        .create<PersistentVolumeClaim>(R.pvcs, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: claim, namespace: set.metadata.namespace, labels: { ...(set.spec.selector.matchLabels ?? {}) } },
          spec: { accessModes: ['ReadWriteOnce'], ...structuredClone(t.spec) },
        })
        .then(() => this.ctx.events.normal(set, 'SuccessfulCreate', `create Claim ${claim} Pod ${name} in StatefulSet ${set.metadata.name} success`))
        .catch((err: ApiError) => {
          if (err.code !== 409) throw err;
        });
    }
    const pod = podFromTemplate(set.spec.template, set, { name }, { [REVISION_LABEL]: revision, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(i) });
    pod.spec.hostname = name;
    if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
    const claims = new Map((set.spec.volumeClaimTemplates ?? []).map((t) => [t.metadata.name!, this.claimName(t, set, i)]));
    const volumes: Volume[] = (pod.spec.volumes ?? []).filter((v) => !claims.has(v.name));
    for (const [volume, claimName] of claims) volumes.push({ name: volume, persistentVolumeClaim: { claimName } });
    pod.spec.volumes = volumes;
    try {
      await this.ctx.api.create(R.pods, pod);
      this.ctx.events.normal(set, 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      // The previous pod of this identity is still going away: wait for it.
      if (errorCode(err) !== 409) throw err;
    }
  }

  private async deletePod(set: StatefulSet, p: Stored<Pod>): Promise<void> {
    await this.ctx.api.delete(R.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } }).catch((err: ApiError) => {
      if (err.code !== 404 && err.code !== 409) throw err;
    });
    this.ctx.events.normal(set, 'SuccessfulDelete', `delete Pod ${p.metadata.name} in StatefulSet ${set.metadata.name} successful`);
  }

  private async writeStatus(set: StatefulSet, pods: Pod[], revision: string): Promise<void> {
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const updated = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
    const replicas = set.spec.replicas ?? 1;
    const currentRevision = updated === live.length && live.length === replicas ? revision : (set.status?.currentRevision ?? revision);
    const status: NonNullable<StatefulSet['status']> = {
      ...set.status,
      observedGeneration: set.metadata.generation ?? 0,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      availableReplicas: live.filter((p) => isPodReady(p) && readyFor(p, set.spec.minReadySeconds ?? 0)).length,
      currentReplicas: live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: revision,
      collisionCount: set.status?.collisionCount ?? 0,
    };
    if (semanticJson(status) === semanticJson(set.status ?? {})) return;
    await this.ctx.api.updateStatus<StatefulSet>(R.statefulsets, { ...set, status });
  }
}

function readyFor(p: Pod, seconds: number): boolean {
  if (!seconds) return true;
  const since = Date.parse(getCondition(p.status?.conditions, 'Ready')?.lastTransitionTime ?? '');
  return !!since && Date.now() - since >= seconds * 1000;
}
