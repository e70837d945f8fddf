import { getCondition, R, setCondition, timestamp, type ApiError, type Lease, type Node, type Pod, type Taint } from '@tinykube/api';
import { QueueController, type ControllerContext } from '../controller-context';
import { tolerationFor } from '../taints';

// Node lifecycle: a node whose Lease has not been renewed within the grace period becomes
// Ready=Unknown and gets the unreachable NoExecute taint (a node reporting Ready=False gets
// not-ready); its pods are marked not Ready. Pods on a NoExecute-tainted node are evicted
// (deleted) once their toleration runs out, so their owners replace them; the node's kubelet
// confirms the deletion when it comes back. Ready again lifts the taints.

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
const MONITOR_MS = 5000;

export class NodeLifecycleController extends QueueController {
  /** When we last saw each node's lease change, by our own clock. */
  private readonly observed = new Map<string, { renew: string; at: number }>();
  private timer?: NodeJS.Timeout;

  constructor(ctx: ControllerContext) {
    super('node-lifecycle', ctx, 1);
    const nodes = ctx.informers.get<Node>(R.nodes);
    ctx.informers.get<Lease>(R.leases);
    const pods = ctx.informers.get<Pod>(R.pods);
    pods.addIndexer('node', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    nodes.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name!), onUpdate: (_, n) => this.queue.add(n.metadata.name!) });
  }

  protected override onSynced(): void {
    this.timer = setInterval(() => {
      for (const n of this.ctx.informers.get<Node>(R.nodes).list()) this.queue.add(n.metadata.name!);
    }, MONITOR_MS);
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    await super.stop();
  }

  private leaseFresh(name: string): boolean {
    const lease = this.ctx.informers.get<Lease>(R.leases).get(`kube-node-lease/${name}`);
    const renew = lease?.spec.renewTime ?? '';
    const seen = this.observed.get(name);
    if (!seen || seen.renew !== renew) this.observed.set(name, { renew, at: Date.now() });
    if (!lease) return Date.now() - this.observed.get(name)!.at < this.ctx.options.nodeMonitorGracePeriodMs;
    return Date.now() - this.observed.get(name)!.at < this.ctx.options.nodeMonitorGracePeriodMs;
  }

  protected async sync(name: string): Promise<void> {
    const node = this.ctx.informers.get<Node>(R.nodes).get(name);
    if (!node) {
      this.observed.delete(name);
      return;
    }
    const fresh = this.leaseFresh(name);
    let ready = getCondition(node.status?.conditions, 'Ready');
    if (!fresh && ready?.status !== 'Unknown') {
      // The kubelet stopped reporting: every condition becomes Unknown.
      const now = timestamp();
      const conds = (node.status?.conditions ?? []).map((c) => ({ ...c }));
      for (const c of conds) setCondition(conds, { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }, now);
      await this.ctx.api.updateStatus<Node>(R.nodes, { ...node, status: { ...node.status, conditions: conds } });
      this.ctx.events.normal(node, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      ready = getCondition(conds, 'Ready');
      await this.markPodsNotReady(name);
    }
    const taintKey = ready?.status === 'True' ? undefined : ready?.status === 'False' ? NOT_READY : UNREACHABLE;
    const taints = node.spec?.taints ?? [];
    const others = taints.filter((t) => t.key !== UNREACHABLE && t.key !== NOT_READY);
    const wanted: Taint[] = taintKey
      ? [taints.find((t) => t.key === taintKey && t.effect === 'NoExecute') ?? { key: taintKey, effect: 'NoExecute', timeAdded: timestamp() }, taints.find((t) => t.key === taintKey && t.effect === 'NoSchedule') ?? { key: taintKey, effect: 'NoSchedule' }]
      : [];
    const next = [...others, ...wanted];
    if (JSON.stringify(next) !== JSON.stringify(taints)) {
      const latest = await this.ctx.api.get<Node>(R.nodes, undefined, name);
      await this.ctx.api.update<Node>(R.nodes, { ...latest, spec: { ...latest.spec, taints: next.length ? next : undefined } });
      if (!taintKey) this.ctx.events.normal(node, 'NodeReady', `Node ${name} status is now: NodeReady`);
    }
    if (taintKey) await this.evict(name, wanted[0]!);
  }

  private async markPodsNotReady(name: string): Promise<void> {
    const now = timestamp();
    for (const p of this.ctx.informers.get<Pod>(R.pods).byIndex('node', name)) {
      if (getCondition(p.status?.conditions, 'Ready')?.status !== 'True') continue;
      const conds = (p.status?.conditions ?? []).map((c) => ({ ...c }));
      setCondition(conds, { type: 'Ready', status: 'False', reason: 'NodeNotReady', message: `Node ${name} is not ready` }, now);
      setCondition(conds, { type: 'ContainersReady', status: 'False', reason: 'NodeNotReady', message: `Node ${name} is not ready` }, now);
      await this.ctx.api.patch(R.pods, p.metadata.namespace, p.metadata.name!, 'merge', { status: { conditions: conds } }, true).catch((err: ApiError) => {
        if (err.code !== 404) throw err;
      });
    }
  }

  /** Deletes the node's pods whose toleration of the NoExecute taint has run out. */
  private async evict(name: string, taint: Taint): Promise<void> {
    const since = Date.parse(taint.timeAdded ?? '') || Date.now();
    let next: number | undefined;
    for (const p of this.ctx.informers.get<Pod>(R.pods).byIndex('node', name)) {
      if (p.metadata.deletionTimestamp) continue;
      const t = tolerationFor(p, taint);
      if (t === 'forever') continue;
      const due = since + (t === 'none' ? 0 : t * 1000);
      if (due > Date.now()) {
        next = Math.min(next ?? due, due);
        continue;
      }
      await this.ctx.api.delete(R.pods, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid! } }).catch((err: ApiError) => {
        if (err.code !== 404 && err.code !== 409) throw err;
      });
      this.ctx.events.normal(p, 'TaintManagerEviction', `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`);
    }
    if (next) this.queue.addAfter(name, next - Date.now() + 100);
  }
}
