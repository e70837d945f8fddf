import {
  controllerOf,
  errorCode,
  getCondition,
  isPodReady,
  matchesNodeAffinity,
  objectKey,
  R,
  scaledValue,
  untoleratedTaint,
  type Affinity,
  type DaemonSet,
  type Node,
  type Pod,
  type Stored,
  type Toleration,
} from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { ensureRevision, REVISION_LABEL } from '../controller-revisions';
import { Expectations } from '../expectations';
import { podAvailability, podFromTemplate } from '../pod-util';

// DaemonSet, as Kubernetes' controller: one pod per node that fits the template (node name,
// node selector, required node affinity, NoSchedule/NoExecute taints with the daemon
// tolerations added); a pod stays while its node's NoExecute taints are tolerated. Pods are
// created for the scheduler with a node affinity naming their node. Failed pods are deleted with
// a back-off per node. RollingUpdate replaces old pods within maxUnavailable, or with maxSurge
// starts the new pod beside the old one and deletes the old one once the new is available;
// OnDelete leaves old pods until someone deletes them. Pods of deleted nodes go by pod GC.

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

const BURST = 250;
const FAILED_BACKOFF_MS = { initial: 1000, max: 15 * 60_000 };

/** The template's tolerations with the daemon ones added (AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(ds: DaemonSet): Toleration[] {
  const out = [...(ds.spec.template.spec.tolerations ?? [])];
  const add = [...DAEMON_TOLERATIONS, ...(ds.spec.template.spec.hostNetwork ? [HOST_NETWORK_TOLERATION] : [])];
  for (const t of add) {
    const i = out.findIndex((x) => x.key === t.key && (x.operator ?? 'Equal') === t.operator && (x.value ?? '') === '' && x.effect === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** Whether the daemon pod should run on the node, and whether one already there may stay (NodeShouldRunDaemonPod). */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const name = ds.spec.template.spec.nodeName;
  if (name && name !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { ...ds.spec.template.spec, tolerations: daemonTolerations(ds) } };
  if (!matchesNodeAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  if (untoleratedTaint(pod, node, ['NoSchedule', 'NoExecute'])) return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(pod, node, ['NoExecute']) };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The node a daemon pod is for: where it is bound, or the node its affinity names. */
export function targetNode(p: Pod): string | undefined {
  if (p.spec.nodeName) return p.spec.nodeName;
  for (const t of p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = (t.matchFields ?? []).find((r) => r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

function withNodeAffinity(affinity: Affinity | undefined, node: string): Affinity {
  return { ...affinity, nodeAffinity: { ...affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } };
}

/** Oldest first; at equal age, the one further along (Kubernetes' podByCreationTimestampAndPhase). */
function byAge(a: Pod, b: Pod): number {
  const phase = (p: Pod): number => (p.status?.phase === 'Running' ? 0 : p.status?.phase === 'Pending' ? 1 : 2);
  const t = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return t(a) - t(b) || phase(a) - phase(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

function isUpdated(p: Pod, hash: string): boolean {
  return p.metadata.labels?.[REVISION_LABEL] === hash;
}

/** A node's live pods as one new and one old at most; undefined when there are more (findUpdatedPodsOnNode). */
function updatedPodsOnNode<P extends Pod>(onNode: P[], hash: string): { newPod?: P; oldPod?: P } | undefined {
  let newPod: P | undefined;
  let oldPod: P | undefined;
  for (const p of onNode) {
    if (p.metadata.deletionTimestamp) continue;
    if (isUpdated(p, hash)) {
      if (newPod) return undefined;
      newPod = p;
    } else {
      if (oldPod) return undefined;
      oldPod = p;
    }
  }
  return { ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}) };
}

export function surgeAndUnavailable(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true);
  const maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true);
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}

export class DaemonSetController extends QueueController {
  private readonly expectations = new Expectations();
  private readonly failedBackoff = new Map<string, { delayMs: number; at: number }>();

  constructor(protected readonly ctx: ControllerContext) {
    super('daemonset', { workers: ctx.options.workers, log: ctx.log });
    const sets = ctx.informers.get<DaemonSet>(R.daemonsets);
    const pods = ctx.informers.get<Pod>(R.pods);
    const nodes = ctx.informers.get<Node>(R.nodes);
    ctx.informers.get(R.controllerrevisions);
    sets.addEventHandler({
      onAdd: (ds) => this.queue.add(objectKey(ds)),
      onUpdate: (_, ds) => this.queue.add(objectKey(ds)),
      onDelete: (ds) => {
        this.expectations.delete(objectKey(ds));
        this.queue.add(objectKey(ds));
      },
    });
    const owner = (p: Pod): string | undefined => {
      const ref = controllerOf(p);
      return ref?.kind === 'DaemonSet' ? `${p.metadata.namespace}/${ref.name}` : undefined;
    };
    pods.addEventHandler({
      onAdd: (p) => {
        const o = owner(p);
        if (!o) return;
        this.expectations.creationObserved(o);
        this.queue.add(o);
      },
      onUpdate: (old, p) => {
        const o = owner(p);
        if (!o) return;
        if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.expectations.deletionObserved(o);
        this.queue.add(o);
      },
      onDelete: (p) => {
        const o = owner(p);
        if (!o) return;
        if (!p.metadata.deletionTimestamp) this.expectations.deletionObserved(o);
        this.queue.add(o);
      },
    });
    // What decides where daemon pods run: labels, taints, the node's existence and readiness.
    const all = (): void => sets.list().forEach((ds) => this.queue.add(objectKey(ds)));
    const ready = (n: Node): string | undefined => getCondition(n.status?.conditions, 'Ready')?.status;
    nodes.addEventHandler({
      onAdd: all,
      onUpdate: (old, n) => {
        if (JSON.stringify(old.metadata.labels) !== JSON.stringify(n.metadata.labels) || JSON.stringify(old.spec) !== JSON.stringify(n.spec) || ready(old) !== ready(n)) all();
      },
      onDelete: all,
    });
  }

  protected async sync(key: string): Promise<void> {
    const ds = this.ctx.informers.get<DaemonSet>(R.daemonsets).get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.ctx.informers.get<Node>(R.nodes).list();
    const pods = this.ctx.informers
      .get<Pod>(R.pods)
      .list()
      .filter((p) => p.metadata.namespace === ds.metadata.namespace && controllerOf(p)?.uid === ds.metadata.uid)
      // Finished pods being deleted are gone as far as the controller is concerned.
      .filter((p) => !(p.metadata.deletionTimestamp && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded')));
    const hash = await ensureRevision(this.ctx, ds, new Set(pods.map((p) => p.metadata.labels?.[REVISION_LABEL])));
    const byNode = new Map<string, Stored<Pod>[]>();
    for (const p of pods) {
      const n = targetNode(p);
      if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    if (this.expectations.satisfied(key)) {
      // The rolling update reads the same pods, so it waits for what manage changed to be seen.
      const acted = await this.manage(ds, key, nodes, byNode, hash);
      if (!acted && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') await this.rollingUpdate(ds, key, nodes, byNode, hash);
    }
    await this.writeStatus(ds, nodes, byNode, hash);
  }

  /** Pods missing on nodes that should run one, and pods to go: failed, excess, or on nodes that no longer take them. */
  private async manage(ds: Stored<DaemonSet>, key: string, nodes: Node[], byNode: Map<string, Stored<Pod>[]>, hash: string): Promise<boolean> {
    const surge = surgeAndUnavailable(ds, 1).maxSurge > 0;
    const create: string[] = [];
    const remove: Stored<Pod>[] = [];
    for (const node of nodes) {
      const name = node.metadata.name!;
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const onNode = byNode.get(name) ?? [];
      if (shouldRun && onNode.length === 0) {
        create.push(name);
        continue;
      }
      if (!shouldContinueRunning) {
        remove.push(...onNode.filter((p) => !p.metadata.deletionTimestamp));
        continue;
      }
      const running: Stored<Pod>[] = [];
      for (const p of onNode) {
        if (p.metadata.deletionTimestamp) continue;
        if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') {
          const wait = this.failedBackoffLeft(ds, name);
          if (wait > 0) {
            this.queue.addAfter(key, wait);
            continue;
          }
          this.ctx.events.warning(ds, 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${name}, will try to kill it`);
          remove.push(p);
        } else running.push(p);
      }
      running.sort(byAge);
      if (!surge) {
        remove.push(...running.slice(1));
        continue;
      }
      if (running.length === 0 && shouldRun) {
        create.push(name);
        continue;
      }
      // With surge, a node keeps an old and a new pod only while the new one is not yet available.
      let oldestNew: Stored<Pod> | undefined;
      let oldestOld: Stored<Pod> | undefined;
      for (const p of running) {
        if (p.metadata.labels?.[REVISION_LABEL] === hash) {
          if (!oldestNew) oldestNew = p;
          else remove.push(p);
        } else if (!oldestOld) oldestOld = p;
        else remove.push(p);
      }
      if (oldestNew && oldestOld && (!isPodReady(oldestOld) || podAvailability(oldestNew, ds.spec.minReadySeconds ?? 0).available)) remove.push(oldestOld);
    }
    return this.syncNodes(ds, key, remove, create, hash);
  }

  /** Kubernetes' rollingUpdate: which old pods to delete now, and (with maxSurge) which nodes get a new pod beside the old. */
  private async rollingUpdate(ds: Stored<DaemonSet>, key: string, nodes: Node[], byNode: Map<string, Stored<Pod>[]>, hash: string): Promise<boolean> {
    const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
    const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, desired);
    const minReady = ds.spec.minReadySeconds ?? 0;
    const available = (p: Pod): boolean => podAvailability(p, minReady).available;
    const nodesByName = new Map(nodes.map((n) => [n.metadata.name!, n]));
    const entries = [...byNode.entries()].sort(([a], [b]) => a.localeCompare(b));
    if (maxSurge === 0) {
      // Each node without an available new pod counts against maxUnavailable; an old pod that is
      // not available may go at once, an available one only within what is left.
      let unavailable = 0;
      const mustGo: Stored<Pod>[] = [];
      const candidates: Stored<Pod>[] = [];
      for (const [, onNode] of entries) {
        const s = updatedPodsOnNode(onNode, hash);
        if (!s) {
          unavailable++;
          continue;
        }
        const { newPod, oldPod } = s;
        if ((!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
        else if (newPod) {
          if (!available(newPod)) unavailable++;
        } else if (oldPod && !available(oldPod)) mustGo.push(oldPod);
        else if (oldPod) candidates.push(oldPod);
      }
      const room = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
      return this.syncNodes(ds, key, [...mustGo, ...candidates.slice(0, room)], [], hash);
    }
    // Surge: a node whose old pod is unavailable gets its new pod at once, others within maxSurge;
    // an old pod goes once the new one beside it is available.
    let surging = 0;
    const remove: Stored<Pod>[] = [];
    const allowed: string[] = [];
    const candidates: string[] = [];
    for (const [nodeName, onNode] of entries) {
      const s = updatedPodsOnNode(onNode, hash);
      if (!s) {
        surging++;
        continue;
      }
      const { newPod, oldPod } = s;
      if (!oldPod) continue;
      if (newPod) {
        if (available(newPod)) remove.push(oldPod);
        else surging++;
        continue;
      }
      const node = nodesByName.get(nodeName);
      const shouldRun = !!node && nodeShouldRunDaemonPod(node, ds).shouldRun;
      if (!available(oldPod)) {
        if (shouldRun) allowed.push(nodeName);
        else remove.push(oldPod);
      } else if (shouldRun) candidates.push(nodeName);
    }
    const room = Math.max(0, Math.min(maxSurge - surging, candidates.length));
    return this.syncNodes(ds, key, remove, [...allowed, ...candidates.slice(0, room)], hash);
  }

  private failedBackoffLeft(ds: DaemonSet, node: string): number {
    const k = `${ds.metadata.uid}/${node}`;
    const e = this.failedBackoff.get(k);
    const now = Date.now();
    if (e && now < e.at + e.delayMs) return e.at + e.delayMs - now;
    this.failedBackoff.set(k, { delayMs: e ? Math.min(e.delayMs * 2, FAILED_BACKOFF_MS.max) : FAILED_BACKOFF_MS.initial, at: now });
    return 0;
  }

  /** Creates and deletes; says whether it asked for anything. */
  private async syncNodes(ds: Stored<DaemonSet>, key: string, remove: Stored<Pod>[], create: string[], hash: string): Promise<boolean> {
    const creates = create.slice(0, BURST);
    if (creates.length === 0 && remove.length === 0) return false;
    this.expectations.expect(key, creates.length, remove.length);
    const errors: Error[] = [];
    // Slow start, as Kubernetes: batches of 1, 2, 4, ... stop at the first failure.
    let done = 0;
    for (let batch = 1; done < creates.length; batch *= 2) {
      const nodes = creates.slice(done, done + batch);
      const results = await Promise.allSettled(nodes.map((n) => this.ctx.api.create<Pod>(R.pods, this.newPod(ds, n, hash))));
      done += nodes.length;
      for (const r of results) {
        if (r.status === 'fulfilled') this.ctx.events.normal(ds, 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
        else {
          this.expectations.creationObserved(key);
          errors.push(r.reason as Error);
        }
      }
      if (errors.length) {
        for (let i = done; i < creates.length; i++) this.expectations.creationObserved(key);
        this.ctx.events.warning(ds, 'FailedCreate', `Error creating: ${errors[0]!.message}`);
        break;
      }
    }
    await Promise.all(
      remove.map(async (p) => {
        try {
          await this.ctx.api.delete(R.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
          this.ctx.events.normal(ds, 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key);
          if (errorCode(err) !== 404 && errorCode(err) !== 409) errors.push(err as Error);
        }
      }),
    );
    if (create.length > creates.length) this.queue.add(key);
    if (errors.length) throw errors[0]!;
    return true;
  }

  private newPod(ds: Stored<DaemonSet>, node: string, hash: string): Pod {
    const pod = podFromTemplate(ds.spec.template, ds, { generateName: `${ds.metadata.name}-` }, { [REVISION_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1) });
    pod.spec.tolerations = daemonTolerations(ds);
    pod.spec.affinity = withNodeAffinity(pod.spec.affinity, node);
    return pod;
  }

  private async writeStatus(ds: Stored<DaemonSet>, nodes: Node[], byNode: Map<string, Stored<Pod>[]>, hash: string): Promise<void> {
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    let recheck: number | undefined;
    for (const node of nodes) {
      const onNode = (byNode.get(node.metadata.name!) ?? []).filter((p) => !p.metadata.deletionTimestamp).sort(byAge);
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
        if (onNode.length) misscheduled++;
        continue;
      }
      desired++;
      const p = onNode[0];
      if (!p) continue;
      current++;
      if (isPodReady(p)) {
        ready++;
        const a = podAvailability(p, ds.spec.minReadySeconds ?? 0);
        if (a.available) available++;
        if (a.recheckMs) recheck = Math.min(recheck ?? a.recheckMs, a.recheckMs);
      }
      if (isUpdated(p, hash)) updated++;
    }
    if (recheck) this.queue.addAfter(objectKey(ds), recheck);
    const status: NonNullable<DaemonSet['status']> = {
      ...ds.status,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 0,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    };
    if (status.numberUnavailable === 0) delete status.numberUnavailable;
    if (JSON.stringify(status) === JSON.stringify(ds.status)) return;
    await this.ctx.api.updateStatus<DaemonSet>(R.daemonsets, { ...ds, status });
  }
}
