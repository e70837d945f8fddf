// tkctl rollout status|history|undo|restart|pause|resume, for Deployments, StatefulSets and
// DaemonSets, as kubectl does them: status reads the fields the controllers write, undo copies an
// old ReplicaSet's template back into a Deployment or applies a ControllerRevision's patch to a
// StatefulSet or DaemonSet, restart stamps the template.
import { controllerOf, R, timestamp, type ControllerRevision, type DaemonSet, type Deployment, type ReplicaSet, type ResourceInfo, type StatefulSet } from '@tinykube/api';
import type { Ctx } from './commands';
import { kindPrefix, parseTargets } from './commands';

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

type Target = { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'; r: ResourceInfo; name: string };
type Workload = Deployment | StatefulSet | DaemonSet;

function target(arg: string): Target {
  const [t] = parseTargets([arg]);
  const name = t?.names[0];
  const kinds = new Map<ResourceInfo, Target['kind']>([[R.deployments, 'Deployment'], [R.statefulsets, 'StatefulSet'], [R.daemonsets, 'DaemonSet']]);
  const kind = t && kinds.get(t.r);
  if (!t || !name || !kind) throw new Error(`rollout works on deployment/NAME, statefulset/NAME or daemonset/NAME, not "${arg}"`);
  return { kind, r: t.r, name };
}

/** kubectl's status messages; done when the rollout has finished. */
export function rolloutMessage(o: Workload, kind: Target['kind']): { done: boolean; message: string } {
  const name = o.metadata.name;
  if (kind === 'DaemonSet') {
    const ds = o as DaemonSet;
    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') throw new Error('rollout status is only available for RollingUpdate strategy type');
    if ((ds.status?.observedGeneration ?? 0) < (ds.metadata.generation ?? 0)) return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
    const s = ds.status;
    const desired = s?.desiredNumberScheduled ?? 0;
    if ((s?.updatedNumberScheduled ?? 0) < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${s?.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...` };
    if ((s?.numberAvailable ?? 0) < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${s?.numberAvailable ?? 0} of ${desired} updated pods are available...` };
    return { done: true, message: `daemon set "${name}" successfully rolled out` };
  }
  if ((o.status?.observedGeneration ?? 0) < (o.metadata.generation ?? 0)) return { done: false, message: `Waiting for ${kind.toLowerCase()} spec update to be observed...` };
  const replicas = (o as Deployment | StatefulSet).spec.replicas ?? 1;
  if (kind === 'Deployment') {
    const s = (o as Deployment).status ?? {};
    if (s.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')) throw new Error(`deployment "${name}" exceeded its progress deadline`);
    if ((s.updatedReplicas ?? 0) < replicas) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.updatedReplicas ?? 0} out of ${replicas} new replicas have been updated...` };
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas are pending termination...` };
    if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${s.updatedReplicas ?? 0} updated replicas are available...` };
    return { done: true, message: `deployment "${name}" successfully rolled out` };
  }
  const s = (o as StatefulSet).status;
  if ((s?.readyReplicas ?? 0) < replicas) return { done: false, message: `Waiting for ${replicas - (s?.readyReplicas ?? 0)} pods to be ready...` };
  if (s?.updateRevision !== s?.currentRevision) return { done: false, message: `waiting for statefulset rolling update to complete ${s?.updatedReplicas ?? 0} pods at revision ${s?.updateRevision}...` };
  return { done: true, message: `statefulset rolling update complete ${replicas} pods at revision ${s?.currentRevision}...` };
}

export async function rolloutStatus(ctx: Ctx, arg: string, timeoutSeconds: number): Promise<void> {
  const t = target(arg);
  const deadline = timeoutSeconds > 0 ? Date.now() + timeoutSeconds * 1000 : Infinity;
  let last = '';
  for (;;) {
    const o = await ctx.client.get<Workload>(t.r, ctx.namespace, t.name);
    const { done, message } = rolloutMessage(o, t.kind);
    if (message !== last) ctx.out(`${message}\n`);
    last = message;
    if (done) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((res) => setTimeout(res, 500));
  }
}

async function replicaSets(ctx: Ctx, d: Deployment): Promise<ReplicaSet[]> {
  return (await ctx.client.list<ReplicaSet>(R.replicasets, ctx.namespace)).items
    .filter((rs) => controllerOf(rs)?.uid === d.metadata.uid)
    .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
}

async function revisions(ctx: Ctx, set: StatefulSet | DaemonSet): Promise<ControllerRevision[]> {
  return (await ctx.client.list<ControllerRevision>(R.controllerrevisions, ctx.namespace)).items.filter((r) => controllerOf(r)?.uid === set.metadata.uid).sort((a, b) => a.revision - b.revision);
}

/** One history row per revision: a Deployment's ReplicaSets or a StatefulSet's or DaemonSet's ControllerRevisions. */
async function history(ctx: Ctx, t: Target): Promise<{ revision: number; cause: string | undefined; patch: () => Promise<void> }[]> {
  if (t.kind === 'Deployment') {
    const d = await ctx.client.get<Deployment>(R.deployments, ctx.namespace, t.name);
    return (await replicaSets(ctx, d)).map((rs) => ({
      revision: Number(rs.metadata.annotations?.[REVISION] ?? 0),
      cause: rs.metadata.annotations?.[CHANGE_CAUSE],
      patch: async () => {
        const template = structuredClone(rs.spec.template);
        delete template.metadata?.labels?.['pod-template-hash'];
        await ctx.client.patch(R.deployments, ctx.namespace, t.name, 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
      },
    }));
  }
  const set = await ctx.client.get<StatefulSet | DaemonSet>(t.r, ctx.namespace, t.name);
  // A revision's data is the strategic merge patch that restores its template, as kubectl applies it.
  return (await revisions(ctx, set)).map((r) => ({ revision: r.revision, cause: r.metadata.annotations?.[CHANGE_CAUSE], patch: async () => void (await ctx.client.patch(t.r, ctx.namespace, t.name, 'strategic', r.data)) }));
}

export async function rolloutHistory(ctx: Ctx, arg: string): Promise<void> {
  const t = target(arg);
  // The name line ends in a space, as kubectl prints it.
  ctx.out(`${kindPrefix(t.r)}/${t.name} \nREVISION  CHANGE-CAUSE\n`);
  for (const h of await history(ctx, t)) ctx.out(`${String(h.revision).padEnd(10)}${h.cause ?? '<none>'}\n`);
}

/** Back to `toRevision`, or to the revision before the newest when it is 0. */
export async function rolloutUndo(ctx: Ctx, arg: string, toRevision: number): Promise<void> {
  const t = target(arg);
  const rows = await history(ctx, t);
  const h = toRevision > 0 ? rows.find((x) => x.revision === toRevision) : rows.at(-2);
  if (!h) throw new Error(toRevision > 0 ? `unable to find specified revision ${toRevision} in history` : `no rollout history found for ${t.kind.toLowerCase()} "${t.name}"`);
  await h.patch();
  ctx.out(`${kindPrefix(t.r)}/${t.name} rolled back\n`);
}

export async function rolloutRestart(ctx: Ctx, arg: string): Promise<void> {
  const t = target(arg);
  const stamp = timestamp();
  await ctx.client.patch(t.r, ctx.namespace, t.name, 'strategic', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': stamp } } } } });
  ctx.out(`${kindPrefix(t.r)}/${t.name} restarted\n`);
}

export async function rolloutPause(ctx: Ctx, arg: string, paused: boolean): Promise<void> {
  const t = target(arg);
  if (t.kind !== 'Deployment') throw new Error('only deployments can be paused and resumed');
  await ctx.client.patch(R.deployments, ctx.namespace, t.name, 'merge', { spec: { paused: paused ? true : null } });
  ctx.out(`deployment.apps/${t.name} ${paused ? 'paused' : 'resumed'}\n`);
}
