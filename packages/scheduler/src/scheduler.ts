import { objectKey, R, timestamp, type Node, type PersistentVolumeClaim, type Pod, errorCode, type Stored } from '@tinykube/api';
import { EventRecorder, Informer, QueueController, type ApiClient } from '@tinykube/client';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { fits, ownerUid, score, unschedulableMessage, type NodeSnapshot } from './predicates';

// tk-scheduler: takes pods without a node, filters and scores the nodes, binds through the
// binding subresource. Bound pods are "assumed" on their node until the informer shows the
// binding, so back-to-back decisions never count a node's capacity twice.

export const SCHEDULER_NAME = 'default-scheduler';
const MAX_BINDINGS_IN_FLIGHT = 16;

export interface SchedulerOptions {
  log: Logger;
  metrics: Registry;
  /** Unschedulable pods are retried at least this often, besides on every node or pod change. */
  retryUnschedulableMs: number;
}

function isPending(p: Pod): boolean {
  return !p.spec.nodeName && !p.metadata.deletionTimestamp && (p.spec.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

function isActive(p: Pod): boolean {
  return !!p.spec.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export class Scheduler extends QueueController {
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly events: EventRecorder;
  /** podKey -> node, for pods bound but not yet seen bound. */
  private readonly assumed = new Map<string, { node: string; pod: Pod }>();
  private readonly unschedulable = new Set<string>();
  private retryTimer?: NodeJS.Timeout;
  private readonly attempts: Counter;
  private readonly latency: Histogram;
  private rr = 0;
  private readonly binding = new Set<Promise<void>>();

  constructor(
    private readonly api: ApiClient,
    private readonly o: SchedulerOptions,
  ) {
    super('scheduler', { workers: 1, log: o.log, baseDelayMs: 100, maxDelayMs: 10_000 });
    this.pods = new Informer<Pod>(api, R.pods);
    this.nodes = new Informer<Node>(api, R.nodes);
    this.claims = new Informer<PersistentVolumeClaim>(api, R.pvcs);
    this.events = new EventRecorder(api, SCHEDULER_NAME);
    this.pods.addIndexer('node', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    this.attempts = new Counter({ name: 'scheduler_schedule_attempts_total', help: 'Scheduling attempts by result', labelNames: ['result'], registers: [o.metrics] });
    this.latency = new Histogram({ name: 'scheduler_scheduling_attempt_duration_seconds', help: 'Time to filter, score and bind one pod', registers: [o.metrics], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });
    this.pods.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_, p) => this.onPod(p),
      onDelete: (p) => {
        this.assumed.delete(objectKey(p));
        this.unschedulable.delete(objectKey(p));
        if (p.spec.nodeName) this.retryUnschedulable();
      },
    });
    const nodeChanged = (): void => this.retryUnschedulable();
    this.nodes.addEventHandler({ onAdd: nodeChanged, onUpdate: nodeChanged, onDelete: nodeChanged });
    this.claims.addEventHandler({ onUpdate: nodeChanged });
  }

  private onPod(p: Stored<Pod>): void {
    const key = objectKey(p);
    if (p.spec.nodeName) {
      this.assumed.delete(key);
      this.unschedulable.delete(key);
    } else if (isPending(p)) this.queue.add(key);
  }

  private retryUnschedulable(): void {
    for (const k of this.unschedulable) this.queue.add(k);
  }

  async start(): Promise<void> {
    for (const inf of [this.pods, this.nodes, this.claims]) inf.start();
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync(), this.claims.waitForSync()]);
    for (const p of this.pods.list()) this.onPod(p);
    this.retryTimer = setInterval(() => this.retryUnschedulable(), this.o.retryUnschedulableMs);
    this.run();
  }

  override async stop(): Promise<void> {
    clearInterval(this.retryTimer);
    const workers = super.stop();
    for (const inf of [this.pods, this.nodes, this.claims]) inf.stop();
    await workers;
    await Promise.all(this.binding);
  }

  private snapshot(): NodeSnapshot[] {
    const byNode = new Map<string, Pod[]>();
    for (const n of this.nodes.list()) byNode.set(n.metadata.name, this.pods.byIndex('node', n.metadata.name).filter(isActive));
    for (const [key, a] of this.assumed) {
      const live = this.pods.get(key);
      if (live?.spec.nodeName) continue;
      byNode.get(a.node)?.push(a.pod);
    }
    return this.nodes.list().map((node) => ({ node, pods: byNode.get(node.metadata.name) ?? [] }));
  }

  /** Schedules one pending pod: filter, score, assume, bind (asynchronously). */
  protected async sync(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || !isPending(pod) || this.assumed.has(key)) return;
    const end = this.latency.startTimer();
    const nodes = this.snapshot();
    const claims = new Map(this.claims.list().map((c) => [objectKey(c), c]));
    const feasible: NodeSnapshot[] = [];
    const reasons: string[] = [];
    for (const s of nodes) {
      const why = fits(pod, s, claims);
      if (why) reasons.push(why);
      else feasible.push(s);
    }
    if (feasible.length === 0) {
      end();
      this.attempts.inc({ result: 'unschedulable' });
      return this.markUnschedulable(pod, unschedulableMessage(nodes.length, reasons));
    }
    const owner = ownerUid(pod);
    const counts = feasible.map((s) => (owner ? s.pods.filter((p) => ownerUid(p) === owner).length : 0));
    const max = Math.max(...counts);
    let best = -1;
    let chosen: NodeSnapshot[] = [];
    feasible.forEach((s, i) => {
      const v = Math.round(score(pod, s, { onNode: counts[i]!, max }));
      if (v > best) {
        best = v;
        chosen = [s];
      } else if (v === best) chosen.push(s);
    });
    const target = chosen[this.rr++ % chosen.length]!;
    const nodeName = target.node.metadata.name!;
    this.assumed.set(key, { node: nodeName, pod: { ...pod, spec: { ...pod.spec, nodeName } } });
    end();
    // The binding cycle runs apart from the scheduling cycle, as Kubernetes': the next pod is
    // scheduled against the assumed state while this binding is in flight.
    while (this.binding.size >= MAX_BINDINGS_IN_FLIGHT) await Promise.race(this.binding);
    const bind = this.bind(pod, key, nodeName).finally(() => this.binding.delete(bind));
    this.binding.add(bind);
  }

  private async bind(pod: Stored<Pod>, key: string, nodeName: string): Promise<void> {
    try {
      await this.api.bind(pod.metadata.namespace!, pod.metadata.name, nodeName, pod.metadata.uid);
    } catch (err) {
      this.assumed.delete(key);
      const code = errorCode(err);
      if (code !== 404 && code !== 409) {
        // Not deleted nor bound by someone else meanwhile: try again later.
        this.o.log.warn({ pod: key, err: (err as Error).message }, 'binding failed');
        this.queue.addRateLimited(key);
      }
      return;
    }
    this.unschedulable.delete(key);
    this.attempts.inc({ result: 'scheduled' });
    this.events.normal(pod, 'Scheduled', `Successfully assigned ${key} to ${nodeName}`);
  }

  private async markUnschedulable(pod: Stored<Pod>, message: string): Promise<void> {
    const key = objectKey(pod);
    const first = !this.unschedulable.has(key);
    this.unschedulable.add(key);
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (cond?.status === 'False' && cond.message === message) return;
    if (first || cond?.message !== message) this.events.warning(pod, 'FailedScheduling', message);
    const stamp = timestamp();
    await this.api.patch(
      R.pods,
      pod.metadata.namespace,
      pod.metadata.name,
      'merge',
      { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: stamp }] } },
      true,
    );
  }
}
