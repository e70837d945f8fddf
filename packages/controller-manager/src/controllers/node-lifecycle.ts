import { getCondition, R, setCondition, timestamp, type ApiError, type Lease, type Node, type Pod, type Taint } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { markDisruptionTarget } from '../pod-util';
import { tolerationFor } from '../taints';
import { computeDisruption, zoneOf, ZoneTaintLimiter, type Disruption } from './zone-disruption';

// Node lifecycle: a node whose Lease has not been renewed within the grace period becomes
// Ready=Unknown and gets the unreachable taints (a node reporting Ready=False gets not-ready);
// its pods are marked not Ready. The NoSchedule taint is added at once; the NoExecute taint,
// which evicts pods once their toleration runs out, is added at a rate limited per zone, and
// not at all while every zone is fully disrupted (then the control plane is the likely fault,
// as Kubernetes assumes). Ready again lifts the taints.

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
const MONITOR_MS = 5000;

export class NodeLifecycleController extends QueueController {
  /** When we last saw each node's lease change, by our own clock (Kubernetes' probe timestamp). */
  private readonly observed = new Map<string, { renew: string; at: number }>();
  private readonly limiter = new ZoneTaintLimiter();
  private fullDisruption = false;
  private timer?: NodeJS.Timeout;

  constructor(protected readonly ctx: ControllerContext) {
    super('node-lifecycle', { workers: 1, log: ctx.log });
    const nodes = ctx.informers.get<Node>(R.nodes);
    const leases = ctx.informers.get<Lease>(R.leases);
    const pods = ctx.informers.get<Pod>(R.pods);
    pods.addIndexer('node', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    nodes.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name), onUpdate: (_, n) => this.queue.add(n.metadata.name) });
    // A renewal is observed when the watch delivers it, not at the next monitor pass, so a
    // pass that lands just before a renewal cannot make a healthy node look late.
    const seen = (l: Lease): void => {
      if (l.metadata.namespace !== 'kube-node-lease') return;
      this.observe(l.metadata.name!, l.spec.renewTime ?? '');
    };
    leases.addEventHandler({ onAdd: seen, onUpdate: (_, l) => seen(l) });
  }

  protected override onSynced(): void {
    this.timer = setInterval(() => this.monitor(), this.ctx.options.nodeMonitorPeriodMs ?? MONITOR_MS);
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    await super.stop();
  }

  private observe(name: string, renew: string): void {
    const seen = this.observed.get(name);
    if (!seen || seen.renew !== renew) this.observed.set(name, { renew, at: Date.now() });
  }

  /** Every pass: enter or leave the all-zones disruption mode, then look at every node. */
  private monitor(): void {
    const nodes = this.ctx.informers.get<Node>(R.nodes).list();
    const all = computeDisruption(nodes, this.ctx.options.disruption).all;
    if (all && !this.fullDisruption) this.ctx.log.warn('Controller detected that all Nodes are not-Ready. Entering master disruption mode.');
    if (!all && this.fullDisruption) {
      this.ctx.log.info('Controller detected that some Nodes are Ready. Exiting master disruption mode.');
      // As Kubernetes: every node gets a full grace period again before it can be judged.
      const now = Date.now();
      for (const o of this.observed.values()) o.at = now;
    }
    this.fullDisruption = all;
    for (const n of nodes) this.queue.add(n.metadata.name);
  }

  private leaseFresh(name: string): boolean {
    const lease = this.ctx.informers.get<Lease>(R.leases).get(`kube-node-lease/${name}`);
    this.observe(name, lease?.spec.renewTime ?? '');
    return Date.now() - this.observed.get(name)!.at < this.ctx.options.nodeMonitorGracePeriodMs;
  }

  protected async sync(name: string): Promise<void> {
    const nodes = this.ctx.informers.get<Node>(R.nodes);
    const node = nodes.get(name);
    if (!node) {
      this.observed.delete(name);
      return;
    }
    const fresh = this.leaseFresh(name);
    let ready = getCondition(node.status?.conditions, 'Ready');
    let current = node;
    if (!fresh && ready?.status !== 'Unknown') {
      // The kubelet stopped reporting: every condition becomes Unknown.
      const now = timestamp();
      const conds = (node.status?.conditions ?? []).map((c) => ({ ...c }));
      for (const c of conds) setCondition(conds, { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }, now);
      current = await this.ctx.api.updateStatus<Node>(R.nodes, { ...node, status: { ...node.status, conditions: conds } });
      this.ctx.events.normal(node, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      ready = getCondition(conds, 'Ready');
      await this.markPodsNotReady(name);
    }
    const taintKey = ready?.status === 'True' ? undefined : ready?.status === 'False' ? NOT_READY : UNREACHABLE;
    // As Kubernetes, which updates every node's health before it judges zones: a node whose
    // lease is overdue counts as not Ready even before its own sync marks it, so nodes that went
    // silent together are seen as one full disruption, not evicted one by one.
    const view = nodes.list().map((n) => (n.metadata.name === name ? current : this.leaseFresh(n.metadata.name) ? n : asUnknown(n)));
    const disruption = computeDisruption(view, this.ctx.options.disruption);
    const noExecute = taintKey ? this.noExecuteTaint(node, taintKey, disruption) : undefined;
    const taints = node.spec?.taints ?? [];
    const others = taints.filter((t) => t.key !== UNREACHABLE && t.key !== NOT_READY);
    const wanted: Taint[] = [];
    if (noExecute) wanted.push(noExecute);
    if (taintKey) wanted.push(taints.find((t) => t.key === taintKey && t.effect === 'NoSchedule') ?? { key: taintKey, effect: 'NoSchedule' });
    const next = [...others, ...wanted];
    if (JSON.stringify(next) !== JSON.stringify(taints)) {
      const latest = await this.ctx.api.get<Node>(R.nodes, undefined, name);
      await this.ctx.api.update<Node>(R.nodes, { ...latest, spec: { ...latest.spec, taints: next.length ? next : undefined } });
      if (!taintKey) this.ctx.events.normal(node, 'NodeReady', `Node ${name} status is now: NodeReady`);
    }
    if (noExecute) await this.evict(name, noExecute);
  }

  /**
   * The NoExecute taint the node should carry now: kept if it has one (swapped between
   * unreachable and not-ready freely), otherwise added when its zone's limiter allows.
   */
  private noExecuteTaint(node: Node, key: string, d: Disruption): Taint | undefined {
    if (d.all) return undefined;
    const taints = node.spec?.taints ?? [];
    const mine = taints.find((t) => t.key === key && t.effect === 'NoExecute');
    if (mine) return mine;
    const swapped = taints.some((t) => (t.key === UNREACHABLE || t.key === NOT_READY) && t.effect === 'NoExecute');
    if (!swapped) {
      const zone = zoneOf(node);
      const allowed = this.limiter.take(zone, d.zones.get(zone)?.rate ?? 0);
      if (allowed !== true) {
        if (Number.isFinite(allowed)) this.queue.addAfter(node.metadata.name!, allowed + 10);
        return undefined;
      }
    }
    return { key, effect: 'NoExecute', timeAdded: timestamp() };
  }

  private async markPodsNotReady(name: string): Promise<void> {
    const now = timestamp();
    for (const p of this.ctx.informers.get<Pod>(R.pods).byIndex('node', name)) {
      if (getCondition(p.status?.conditions, 'Ready')?.status !== 'True') continue;
      const conds = (p.status?.conditions ?? []).map((c) => ({ ...c }));
      setCondition(conds, { type: 'Ready', status: 'False', reason: 'NodeNotReady', message: `Node ${name} is not ready` }, now);
      setCondition(conds, { type: 'ContainersReady', status: 'False', reason: 'NodeNotReady', message: `Node ${name} is not ready` }, now);
      await this.ctx.api.patch(R.pods, p.metadata.namespace, p.metadata.name, 'merge', { status: { conditions: conds } }, true).catch((err: ApiError) => {
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
      await markDisruptionTarget(this.ctx.api, p, 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint');
      await this.ctx.api.delete(R.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } }).catch((err: ApiError) => {
        if (err.code !== 404 && err.code !== 409) throw err;
      });
      this.ctx.events.normal(p, 'TaintManagerEviction', `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`);
    }
    if (next) this.queue.addAfter(name, next - Date.now() + 100);
  }
}

/** The node as its sync will write it once its overdue lease is noticed: Ready Unknown. */
function asUnknown(n: Node): Node {
  const conditions = (n.status?.conditions ?? [{ type: 'Ready', status: 'Unknown' }]).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown' as const } : c));
  return { ...n, status: { ...n.status, conditions } };
}
