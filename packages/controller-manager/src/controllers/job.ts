import {
  controllerOf,
  errorCode,
  getCondition,
  isPodReady,
  JOB_COMPLETION_INDEX,
  JOB_TRACKING_FINALIZER,
  objectKey,
  R,
  setCondition,
  timestamp,
  type Condition,
  type Job,
  type Pod,
  type Stored,
} from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { matchPodFailurePolicy } from './pod-failure-policy';
import { Expectations } from '../expectations';
import { isActivePod, podFromTemplate } from '../pod-util';
import { deletionRank } from './replicaset';

// Job: runs pods until `completions` of them succeed (NonIndexed), or one per index succeeds
// (Indexed), at most `parallelism` at once; fails past `backoffLimit` pod failures or after
// `activeDeadlineSeconds`; suspends; deletes itself `ttlSecondsAfterFinished` after finishing.
// Each pod carries the job-tracking finalizer. A finished pod is counted in three steps, as in
// Kubernetes, so that a controller killed at any point counts it exactly once: its uid goes into
// status.uncountedTerminatedPods, then its finalizer is removed, then the uid moves into the
// succeeded/failed counts.

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

const holds = (j: Job, type: string): boolean => getCondition(j.status?.conditions, type)?.status === 'True';
const finished = (j: Job): boolean => holds(j, 'Complete') || holds(j, 'Failed');
const indexOf = (p: Pod): number | undefined => {
  const v = p.metadata.annotations?.[JOB_COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

/** "1,3-5" from a set of indexes, and back. */
export function formatIndexes(xs: Iterable<number>): string {
  const sorted = [...new Set(xs)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

export function parseIndexes(s: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.add(i);
  }
  return out;
}

export class JobController extends QueueController {
  private readonly expectations = new Expectations();
  /** When each Job's last pod failure was seen, for the back-off before its next pod (in memory, as Kubernetes keeps it). */
  private readonly lastFailure = new Map<string, { at: number; failed: number }>();

  constructor(private readonly ctx: ControllerContext) {
    super('job', { workers: ctx.options.workers, log: ctx.log });
    const jobs = ctx.informers.get<Job>(R.jobs);
    jobs.addEventHandler({
      onAdd: (j) => this.queue.add(objectKey(j)),
      onUpdate: (_, j) => this.queue.add(objectKey(j)),
      onDelete: (j) => {
        this.expectations.delete(objectKey(j));
        this.lastFailure.delete(objectKey(j));
        this.queue.add(objectKey(j));
      },
    });
    const owner = (p: Pod): string | undefined => {
      const ref = controllerOf(p);
      return ref?.kind === 'Job' ? `${p.metadata.namespace}/${ref.name}` : undefined;
    };
    ctx.informers.get<Pod>(R.pods).addEventHandler({
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
  }

  protected async sync(key: string): Promise<void> {
    const job = this.ctx.informers.get<Job>(R.jobs).get(key);
    const [ns, name] = key.split('/') as [string, string];
    const all = this.ctx.informers.get<Pod>(R.pods).list().filter((p) => p.metadata.namespace === ns);
    if (!job) {
      // Pods of a deleted Job: nothing will count them any more.
      for (const p of all) if (controllerOf(p)?.kind === 'Job' && controllerOf(p)?.name === name) await this.release(p);
      return;
    }
    const pods = all.filter((p) => controllerOf(p)?.uid === job.metadata.uid);
    if (job.metadata.deletionTimestamp || finished(job)) {
      for (const p of pods) if (!isActivePod(p) || job.metadata.deletionTimestamp) await this.release(p);
      if (finished(job) && !job.metadata.deletionTimestamp) await this.expireIfDue(job, key);
      return;
    }
    if (await this.trackFinished(job, pods)) return;
    const status = structuredClone(job.status ?? {});
    const conditions = (status.conditions ??= []);
    const active = pods.filter(isActivePod);
    const now = Date.now();
    const succeeded = status.succeeded ?? 0;
    const restarts = job.spec.template.spec.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + c.restartCount, 0), 0) : 0;
    const failures = (status.failed ?? 0) + restarts;
    const completions = job.spec.completions;
    const parallelism = job.spec.parallelism ?? 1;
    const indexed = job.spec.completionMode === 'Indexed';

    let ending: Condition | undefined;
    if (job.spec.suspend) {
      if (setCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, timestamp())) this.ctx.events.normal(job, 'Suspended', 'Job suspended');
      await this.deletePods(job, key, active);
    } else {
      if (holds(job, 'Suspended')) {
        setCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, timestamp());
        this.ctx.events.normal(job, 'Resumed', 'Job resumed');
        status.startTime = timestamp();
      }
      status.startTime ??= timestamp();
      const deadline = job.spec.activeDeadlineSeconds !== undefined ? Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000 : undefined;
      const target = getCondition(conditions, 'FailureTarget');
      if (target?.status === 'True') ending = { type: 'Failed', status: 'True', reason: target.reason!, message: target.message! };
      else if (failures > (job.spec.backoffLimit ?? 6)) ending = { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
      else if (deadline !== undefined && now >= deadline) ending = { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      else if (completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0) ending = { type: 'Complete', status: 'True' };
      if (deadline !== undefined && !ending) this.queue.addAfter(key, deadline - now + 50);
      if (ending) {
        await this.deletePods(job, key, active);
        setCondition(conditions, ending, timestamp());
        if (ending.type === 'Complete') {
          status.completionTime = timestamp();
          this.ctx.events.normal(job, 'Completed', 'Job completed');
        } else this.ctx.events.warning(job, ending.reason!, ending.message!);
      } else if (this.expectations.satisfied(key)) {
        await this.managePods(job, key, active, { succeeded, completions, parallelism, indexed, failed: status.failed ?? 0, completed: parseIndexes(status.completedIndexes) });
      }
    }
    const live = ending || job.spec.suspend ? [] : active;
    status.active = live.length;
    status.ready = live.filter(isPodReady).length;
    status.terminating = pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
    if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) await this.ctx.api.updateStatus<Job>(R.jobs, { ...job, status });
  }

  /**
   * Counts finished pods in three steps (see the top). Returns true when it wrote something:
   * the next sync, on the watch event, goes on from there.
   */
  private async trackFinished(job: Stored<Job>, pods: Stored<Pod>[]): Promise<boolean> {
    const status = structuredClone(job.status ?? {});
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    const known = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const completed = parseIndexes(status.completedIndexes);
    let added = false;
    for (const p of pods) {
      const uid = p.metadata.uid!;
      if (known.has(uid) || !p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
      const phase = p.status?.phase;
      // A pod deleted before it finished counts as failed (Kubernetes without pod disruption conditions).
      const outcome = phase === 'Succeeded' ? 'succeeded' : phase === 'Failed' || p.metadata.deletionTimestamp ? 'failed' : undefined;
      if (!outcome) continue;
      if (outcome === 'failed' && job.spec.podFailurePolicy) {
        const match = matchPodFailurePolicy(job, p);
        // Ignore: not a failure at all; the pod is let go and replaced, and nothing is counted.
        if (match?.action === 'Ignore') {
          await this.release(p);
          added = true;
          continue;
        }
        // FailJob: recorded with the count, so a restart fails the Job for the same pod.
        if (match?.action === 'FailJob' && !getCondition(status.conditions, 'FailureTarget')) {
          setCondition((status.conditions ??= []), { type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy', message: match.message }, timestamp());
        }
      }
      uncounted[outcome].push(uid);
      const i = indexOf(p);
      if (outcome === 'succeeded' && i !== undefined) completed.add(i);
      if (outcome === 'failed') this.lastFailure.set(objectKey(job), { at: Date.now(), failed: (status.failed ?? 0) + uncounted.failed.length });
      added = true;
    }
    if (added) {
      status.uncountedTerminatedPods = uncounted;
      if (job.spec.completionMode === 'Indexed') status.completedIndexes = formatIndexes(completed);
      await this.ctx.api.updateStatus<Job>(R.jobs, { ...job, status });
      return true;
    }
    if (!known.size) return false;
    const holding = pods.filter((p) => known.has(p.metadata.uid!) && p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER));
    for (const p of holding) await this.release(p);
    if (holding.length) return true;
    status.succeeded = job.spec.completionMode === 'Indexed' ? completed.size : (status.succeeded ?? 0) + uncounted.succeeded.length;
    status.failed = (status.failed ?? 0) + uncounted.failed.length;
    status.uncountedTerminatedPods = {};
    await this.ctx.api.updateStatus<Job>(R.jobs, { ...job, status });
    return true;
  }

  private async managePods(job: Stored<Job>, key: string, active: Stored<Pod>[], n: { succeeded: number; completions?: number; parallelism: number; indexed: boolean; failed: number; completed: Set<number> }): Promise<void> {
    let want = n.parallelism;
    if (n.completions !== undefined) want = Math.min(want, Math.max(0, n.completions - n.succeeded));
    else if (n.succeeded > 0) want = 0;
    if (active.length > want) {
      await this.deletePods(job, key, [...active].sort(deletionRank).slice(0, active.length - want));
      return;
    }
    let missing = want - active.length;
    if (missing <= 0) return;
    const last = this.lastFailure.get(key);
    if (last && n.failed > 0) {
      const wait = last.at + Math.min(BACKOFF_BASE_MS * 2 ** (Math.max(1, n.failed) - 1), BACKOFF_MAX_MS) - Date.now();
      if (wait > 0) return this.queue.addAfter(key, wait);
    }
    let indexes: number[] = [];
    if (n.indexed) {
      const running = new Set(active.map(indexOf));
      for (let i = 0; i < (n.completions ?? 0) && indexes.length < missing; i++) if (!n.completed.has(i) && !running.has(i)) indexes.push(i);
      missing = indexes.length;
    } else indexes = Array.from({ length: missing }, () => -1);
    if (!missing) return;
    this.expectations.expect(key, missing, 0);
    const results = await Promise.allSettled(indexes.map((i) => this.ctx.api.create(R.pods, this.newPod(job, i))));
    const failed = results.filter((r) => r.status === 'rejected');
    for (let i = 0; i < failed.length; i++) this.expectations.creationObserved(key);
    const made = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Pod>[];
    for (const r of made) this.ctx.events.normal(job, 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
    if (failed.length) {
      const reason = (failed[0] as PromiseRejectedResult).reason as Error;
      this.ctx.events.warning(job, 'FailedCreate', `Error creating: ${reason.message}`);
      throw reason;
    }
  }

  /** A pod of the Job, with the tracking finalizer; an Indexed Job's carries its index (annotation, label, env, hostname). */
  private newPod(job: Job, index: number): Pod {
    const name = job.metadata.name!;
    if (index < 0) {
      const pod = podFromTemplate(job.spec.template, job, { generateName: `${name}-` });
      pod.metadata.finalizers = [JOB_TRACKING_FINALIZER];
      return pod;
    }
    const pod = podFromTemplate(job.spec.template, job, { generateName: `${name}-${index}-` }, { [JOB_COMPLETION_INDEX]: String(index) });
    pod.metadata.finalizers = [JOB_TRACKING_FINALIZER];
    pod.metadata.annotations = { ...pod.metadata.annotations, [JOB_COMPLETION_INDEX]: String(index) };
    pod.spec.hostname = `${name}-${index}`.slice(0, 63).replace(/-+$/, '');
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } };
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) c.env = [...(c.env ?? []).filter((e) => e.name !== env.name), env];
    return pod;
  }

  private async deletePods(job: Job, key: string, pods: Stored<Pod>[]): Promise<void> {
    if (!pods.length) return;
    this.expectations.expect(key, 0, pods.length);
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.ctx.api.delete(R.pods, p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
          this.ctx.events.normal(job, 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key);
          if (errorCode(err) !== 404 && errorCode(err) !== 409) throw err;
        }
      }),
    );
  }

  /** Removes the tracking finalizer. */
  private async release(p: Stored<Pod>): Promise<void> {
    if (!p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) return;
    const rest = p.metadata.finalizers.filter((f) => f !== JOB_TRACKING_FINALIZER);
    await this.ctx.api.patch(R.pods, p.metadata.namespace, p.metadata.name, 'merge', { metadata: { finalizers: rest.length ? rest : null, resourceVersion: p.metadata.resourceVersion } }).catch((err: unknown) => {
      if (errorCode(err) !== 404 && errorCode(err) !== 409) throw err;
    });
  }

  /** ttlSecondsAfterFinished: the Job goes, with its pods, that long after it finished. */
  private async expireIfDue(job: Job, key: string): Promise<void> {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const cond = getCondition(job.status?.conditions, holds(job, 'Complete') ? 'Complete' : 'Failed');
    const at = Date.parse(job.status?.completionTime ?? cond?.lastTransitionTime ?? '') || Date.now();
    const left = at + ttl * 1000 - Date.now();
    if (left > 0) return this.queue.addAfter(key, left + 50);
    await this.ctx.api.delete(R.jobs, job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } }).catch((err: unknown) => {
      if (errorCode(err) !== 404 && errorCode(err) !== 409) throw err;
    });
  }
}
