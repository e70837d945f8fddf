import { R, type ApiError, type Node, type Pod, type Stored } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { markDisruptionTarget } from '../pod-util';

// Pod garbage collection, as Kubernetes' PodGC controller: every pass it force-deletes (grace 0)
// pods bound to a node that no longer exists (once the node has been missing for the
// quarantine time and the API confirms it is gone: no kubelet will ever confirm their
// deletion), terminating pods that were never scheduled, and the oldest terminated pods above
// --terminated-pod-gc-threshold.

const PASS_KEY = 'pass';

export class PodGcController extends QueueController {
  /** When each missing node was first seen missing. */
  private readonly missingSince = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(protected readonly ctx: ControllerContext) {
    super('pod-gc', { workers: 1, log: ctx.log });
    ctx.informers.get<Pod>(R.pods);
    ctx.informers.get<Node>(R.nodes);
  }

  protected override onSynced(): void {
    this.queue.add(PASS_KEY);
    this.timer = setInterval(() => this.queue.add(PASS_KEY), this.ctx.options.podGc.periodMs);
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    await super.stop();
  }

  protected async sync(): Promise<void> {
    const pods = this.ctx.informers.get<Pod>(R.pods).list();
    await this.gcTerminated(pods);
    await this.gcOrphaned(pods);
    for (const p of pods) if (p.metadata.deletionTimestamp && !p.spec.nodeName) await this.forceDelete(p, 'unscheduled and terminating');
  }

  private async gcTerminated(pods: Stored<Pod>[]): Promise<void> {
    const threshold = this.ctx.options.podGc.terminatedThreshold;
    if (threshold <= 0) return;
    const done = pods.filter((p) => !p.metadata.deletionTimestamp && (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'));
    if (done.length <= threshold) return;
    done.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    for (const p of done.slice(0, done.length - threshold)) await this.forceDelete(p, 'terminated, above the threshold');
  }

  private async gcOrphaned(pods: Stored<Pod>[]): Promise<void> {
    const nodes = this.ctx.informers.get<Node>(R.nodes);
    const now = Date.now();
    const missing = new Set<string>();
    for (const p of pods) if (p.spec.nodeName && !nodes.get(p.spec.nodeName)) missing.add(p.spec.nodeName);
    for (const n of this.missingSince.keys()) if (!missing.has(n)) this.missingSince.delete(n);
    for (const name of missing) {
      const since = this.missingSince.get(name) ?? now;
      this.missingSince.set(name, since);
      if (now - since < this.ctx.options.podGc.quarantineMs) {
        this.queue.addAfter(PASS_KEY, since + this.ctx.options.podGc.quarantineMs - now + 100);
        continue;
      }
      // The informer could lag: ask the API itself before deleting anything.
      const gone = await this.ctx.api.get<Node>(R.nodes, undefined, name).then(
        () => false,
        (err: ApiError) => {
          if (err.code === 404) return true;
          throw err;
        },
      );
      if (!gone) continue;
      for (const p of pods) {
        if (p.spec.nodeName !== name) continue;
        await markDisruptionTarget(this.ctx.api, p, 'DeletionByPodGC', 'PodGC: node no longer exists');
        await this.forceDelete(p, `bound to node ${name}, which no longer exists`);
      }
    }
  }

  private async forceDelete(p: Stored<Pod>, why: string): Promise<void> {
    this.ctx.log.info({ pod: `${p.metadata.namespace}/${p.metadata.name}`, why }, 'garbage-collecting pod');
    await this.ctx.api.delete(R.pods, p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } }).catch((err: ApiError) => {
      if (err.code !== 404 && err.code !== 409) throw err;
    });
  }
}
