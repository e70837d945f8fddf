import { countedResource, formatQuantity, podCountsForQuota, quotaUsage, R, resourceByPlural, semanticJson, type KubeObject, type Pod, type ResourceInfo, type ResourceQuota } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';

// The resource quota controller, as Kubernetes': each quota's status.hard mirrors its spec and
// status.used is recounted from what the namespace holds. Admission charges a write to the
// quota as it happens; this controller gives back what deletions, finished pods and writes
// that failed after admission leave unused: on those events, and every resync period.

/** Kinds counted from shared informers; other `count/` kinds are listed at each sync. */
const INFORMED = [R.pods, R.services, R.configmaps, R.secrets, R.pvcs, R.replicationcontrollers, R.resourcequotas, R.deployments, R.replicasets, R.statefulsets, R.daemonsets, R.jobs, R.cronjobs];

export const QUOTA_RESYNC_MS = 30_000;

export class ResourceQuotaController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('resourcequota', { workers: ctx.options.workers, log: ctx.log });
    const quotas = ctx.informers.get<ResourceQuota>(R.resourcequotas);
    const enqueueNs = (o: KubeObject): void => quotas.list().filter((q) => q.metadata.namespace === o.metadata.namespace).forEach((q) => this.queue.add(`${q.metadata.namespace}/${q.metadata.name}`));
    quotas.addEventHandler({
      onAdd: (q) => this.queue.add(`${q.metadata.namespace}/${q.metadata.name}`),
      onUpdate: (old, q) => {
        if (semanticJson(old.spec ?? {}) !== semanticJson(q.spec ?? {})) this.queue.add(`${q.metadata.namespace}/${q.metadata.name}`);
      },
    });
    for (const r of INFORMED) {
      // Replenishment: what a deletion frees, and a pod that finishes.
      ctx.informers.get(r).addEventHandler({
        onDelete: enqueueNs,
        ...(r === R.pods ? { onUpdate: (old: KubeObject, p: KubeObject) => podCountsForQuota(old as Pod) !== podCountsForQuota(p as Pod) && enqueueNs(p) } : {}),
      });
    }
  }

  private timer?: NodeJS.Timeout;

  protected override onSynced(): void {
    this.timer = setInterval(() => {
      for (const q of this.ctx.informers.get<ResourceQuota>(R.resourcequotas).list()) this.queue.add(`${q.metadata.namespace}/${q.metadata.name}`);
    }, QUOTA_RESYNC_MS);
    this.timer.unref();
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    await super.stop();
  }

  private async objects(r: ResourceInfo, ns: string): Promise<KubeObject[]> {
    if (INFORMED.includes(r)) return this.ctx.informers.get(r).list().filter((o) => o.metadata.namespace === ns);
    return (await this.ctx.api.list(r, ns)).items;
  }

  protected async sync(key: string): Promise<void> {
    const q = this.ctx.informers.get<ResourceQuota>(R.resourcequotas).get(key);
    if (!q) return;
    const ns = q.metadata.namespace!;
    const hard = q.spec?.hard ?? {};
    const names = Object.keys(hard);
    const totals = new Map<string, number>(names.map((n) => [n, 0]));
    // Which kinds the names concern: counts name theirs; compute names are pods'; services.* and storage the claims'.
    const kinds = new Set<ResourceInfo>();
    for (const n of names) {
      const counted = countedResource(n);
      const r = counted && resourceByPlural(counted.slice(0, counted.indexOf('/')), counted.slice(counted.indexOf('/') + 1));
      if (r) kinds.add(r);
      else if (n.startsWith('services.')) kinds.add(R.services);
      else if (n.includes('storage') || n.includes('persistentvolumeclaims')) kinds.add(R.pvcs);
      else kinds.add(R.pods);
    }
    for (const r of kinds) {
      for (const o of await this.objects(r, ns)) for (const [n, v] of quotaUsage(r, o, names)) totals.set(n, (totals.get(n) ?? 0) + v);
    }
    const status = { hard: { ...hard }, used: Object.fromEntries([...totals].map(([n, v]) => [n, formatQuantity(n, v)])) };
    if (semanticJson(status) === semanticJson(q.status ?? {})) return;
    await this.ctx.api.updateStatus<ResourceQuota>(R.resourcequotas, { ...q, status });
  }
}
