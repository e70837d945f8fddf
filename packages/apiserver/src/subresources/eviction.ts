// pods/eviction: a pod deleted only as its PodDisruptionBudget allows, as Kubernetes' EvictionREST.
// A pod that is finished, Pending or already being deleted goes at once; with one budget, the
// eviction takes one of its disruptionsAllowed (recording the pod in disruptedPods, so the
// disruption controller does not count it healthy before it is gone) or is refused with 429 and
// Kubernetes' words, which kubectl drain retries. An unready pod may go without spending the
// budget when the budget holds anyway (IfHealthyBudget) or always (AlwaysAllow).
import { ApiError, budgetSelects, errors, isPlainObject, isPodReady, R, setCondition, statusFailure, timestamp, type Eviction, type Pod, type PodDisruptionBudget, type Status } from '@tinykube/api';
import type { DeleteOptions, Registry, WriteOptions } from '../registry';

const BUDGET_RETRIES = 5;

function tooManyRequests(cause: string, retryAfterSeconds = 0): ApiError {
  return new ApiError(
    statusFailure(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { ...(retryAfterSeconds ? { retryAfterSeconds } : {}), causes: [{ reason: 'DisruptionBudget', message: cause }] }),
  );
}

export async function evictPod(registry: Registry, ns: string, name: string, body: unknown, wopts: WriteOptions): Promise<Status> {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be an Eviction');
  const ev = body as unknown as Eviction;
  if (ev.metadata?.name !== undefined && ev.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const opts: DeleteOptions = {};
  const d = isPlainObject(ev.deleteOptions) ? ev.deleteOptions : {};
  if (d.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = d.gracePeriodSeconds;
  if (d.preconditions) opts.preconditions = d.preconditions;
  if (d.propagationPolicy) opts.propagationPolicy = d.propagationPolicy as DeleteOptions['propagationPolicy'];
  const dryRun = wopts.dryRun || (d.dryRun ?? []).includes('All');
  const del = async (o: DeleteOptions): Promise<Status> => {
    if (!dryRun) await registry.delete(R.pods, ns, name, await markDisruptionTarget(registry, ns, name, o), wopts);
    return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 };
  };

  const pod = (await registry.get(R.pods, ns, name)) as Pod;
  const phase = pod.status?.phase;
  // Already disrupted, or not yet running: no budget to spend.
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !phase || pod.metadata.deletionTimestamp) return del(opts);
  // Whatever follows was decided on this version of the pod; a changed pod is a 429 to retry.
  const pinned: DeleteOptions = { ...opts, preconditions: { ...opts.preconditions, resourceVersion: opts.preconditions?.resourceVersion ?? pod.metadata.resourceVersion } };
  const budgets = ((await registry.list(R.pdbs, ns)).items as PodDisruptionBudget[]).filter((b) => budgetSelects(b, pod));
  if (budgets.length > 1) throw errors.conflict('pods/eviction', name, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const pdb = budgets[0];
  if (!pdb) return del(opts);
  const ready = isPodReady(pod);
  if (!ready && pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return deletePinned(del, pinned, pdb, opts);
  for (let attempt = 0; attempt < BUDGET_RETRIES; attempt++) {
    const cur = (await registry.get(R.pdbs, ns, pdb.metadata.name!)) as PodDisruptionBudget;
    const st = cur.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    if (!ready && st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0) return deletePinned(del, pinned, cur, opts);
    if ((st.observedGeneration ?? 0) < (cur.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${cur.metadata.name} is still being processed by the server.`, 10);
    if (st.disruptionsAllowed < 0) throw errors.forbidden(`poddisruptionbudgets.policy "${cur.metadata.name}" is forbidden: pdb disruptions allowed is negative`);
    if (Object.keys(st.disruptedPods ?? {}).length > 2000) throw errors.forbidden(`poddisruptionbudgets.policy "${cur.metadata.name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`);
    if (st.disruptionsAllowed === 0) throw tooManyRequests(`The disruption budget ${cur.metadata.name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`);
    if (dryRun) return del(opts);
    const next: PodDisruptionBudget = { ...cur, status: { ...st, disruptionsAllowed: st.disruptionsAllowed - 1, disruptedPods: { ...st.disruptedPods, [name]: timestamp() } } };
    if (next.status!.disruptionsAllowed === 0) {
      const conds = [...(next.status!.conditions ?? [])];
      setCondition(conds, { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: st.observedGeneration ?? 0 });
      next.status!.conditions = conds;
    }
    try {
      await registry.update(R.pdbs, ns, cur.metadata.name!, next, { subresource: 'status' });
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) continue;
      throw err;
    }
    return del(opts);
  }
  throw tooManyRequests(`couldn't update PodDisruptionBudget "${pdb.metadata.name}" due to conflicts`, 1);
}

/** Deletes an unready pod without spending the budget, only if it is still the pod that was judged. */
async function deletePinned(del: (o: DeleteOptions) => Promise<Status>, pinned: DeleteOptions, pdb: PodDisruptionBudget, original: DeleteOptions): Promise<Status> {
  try {
    return await del(pinned);
  } catch (err) {
    if (err instanceof ApiError && err.code === 409 && !original.preconditions?.resourceVersion) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
    throw err;
  }
}

/**
 * Kubernetes' addConditionAndDeletePod: a pod that has not finished gets the DisruptionTarget
 * condition (reason EvictionByEvictionAPI) before it is deleted, so a Job's podFailurePolicy can
 * tell an eviction from a failure; a resourceVersion precondition moves to the version written.
 */
async function markDisruptionTarget(registry: Registry, ns: string, name: string, o: DeleteOptions): Promise<DeleteOptions> {
  const latest = (await registry.get(R.pods, ns, name)) as Pod;
  const pre = o.preconditions;
  if (pre?.uid && pre.uid !== latest.metadata.uid) throw errors.conflict('pods', name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${latest.metadata.uid}`);
  if (pre?.resourceVersion && pre.resourceVersion !== latest.metadata.resourceVersion)
    throw errors.conflict('pods', name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${latest.metadata.resourceVersion}`);
  const phase = latest.status?.phase;
  if (latest.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') return o;
  const conditions = [...(latest.status?.conditions ?? [])];
  setCondition(conditions, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }, timestamp());
  const updated = await registry.update(R.pods, ns, name, { ...latest, status: { ...latest.status, conditions } }, { subresource: 'status' });
  return pre?.resourceVersion ? { ...o, preconditions: { ...pre, resourceVersion: updated.metadata.resourceVersion! } } : o;
}
