import {
  controllerOf,
  CRONJOB_SCHEDULED_TIMESTAMP,
  errorCode,
  getCondition,
  lastScheduleTimeBefore,
  nextScheduleTime,
  objectKey,
  R,
  scheduleTimes,
  timestamp,
  type CronJob,
  type Job,
  type Stored,
} from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { ownerRef } from '../pod-util';

// CronJob: at each time of its schedule, a Job from its template, named after the scheduled
// minute (<cronjob>-<unix minutes>) so that a restarted controller finds the Job it already made
// instead of making another. Runs missed while the controller was down: only the most recent is
// started (and only within startingDeadlineSeconds), with the TooManyMissedTimes warning past
// 100 missed, as Kubernetes does. concurrencyPolicy Forbid skips a run while a Job is active,
// Replace deletes the active ones first. Finished Jobs beyond the history limits are deleted.

const MISSED_LIMIT = 100;

const jobFinished = (j: Job): 'Complete' | 'Failed' | undefined =>
  getCondition(j.status?.conditions, 'Complete')?.status === 'True' ? 'Complete' : getCondition(j.status?.conditions, 'Failed')?.status === 'True' ? 'Failed' : undefined;

export class CronJobController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => number = Date.now,
  ) {
    super('cronjob', { workers: ctx.options.workers, log: ctx.log });
    ctx.informers.get<CronJob>(R.cronjobs).addEventHandler({
      onAdd: (cj) => this.queue.add(objectKey(cj)),
      onUpdate: (_, cj) => this.queue.add(objectKey(cj)),
      onDelete: (cj) => this.queue.add(objectKey(cj)),
    });
    const owner = (j: Job): void => {
      const ref = controllerOf(j);
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata.namespace}/${ref.name}`);
    };
    ctx.informers.get<Job>(R.jobs).addEventHandler({ onAdd: owner, onUpdate: (_, j) => owner(j), onDelete: owner });
  }

  protected async sync(key: string): Promise<void> {
    const cj = this.ctx.informers.get<CronJob>(R.cronjobs).get(key);
    if (!cj || cj.metadata.deletionTimestamp) return;
    const jobs = this.ctx.informers.get<Job>(R.jobs).list().filter((j) => j.metadata.namespace === cj.metadata.namespace && controllerOf(j)?.uid === cj.metadata.uid);
    const status = structuredClone(cj.status ?? {});
    const running = jobs.filter((j) => !jobFinished(j) && !j.metadata.deletionTimestamp);
    status.active = running.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion }));
    const completions = jobs.map((j) => j.status?.completionTime).filter((t): t is string => !!t).sort();
    if (completions.length && (!status.lastSuccessfulTime || completions.at(-1)! > status.lastSuccessfulTime)) status.lastSuccessfulTime = completions.at(-1)!;
    await this.pruneHistory(cj, jobs);

    const now = this.now();
    const { schedule, timeZone } = cj.spec;
    if (!cj.spec.suspend) {
      const since = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
      const deadline = cj.spec.startingDeadlineSeconds;
      const earliest = deadline !== undefined ? Math.max(since, now - deadline * 1000) : since;
      const missed = scheduleTimes(schedule, timeZone, earliest, now, MISSED_LIMIT + 1);
      if (missed.length > MISSED_LIMIT) this.ctx.events.warning(cj, 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      const due = missed.length > MISSED_LIMIT ? lastScheduleTimeBefore(schedule, timeZone, now) : missed.at(-1);
      if (due !== undefined) {
        if (cj.spec.concurrencyPolicy === 'Forbid' && running.length) {
          this.ctx.events.normal(cj, 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
        } else {
          if (cj.spec.concurrencyPolicy === 'Replace') for (const j of running) await this.deleteJob(cj, j);
          const made = await this.createJob(cj, due);
          if (made && !status.active.some((a) => a.uid === made.metadata.uid)) status.active.push({ apiVersion: 'batch/v1', kind: 'Job', name: made.metadata.name, namespace: made.metadata.namespace, uid: made.metadata.uid, resourceVersion: made.metadata.resourceVersion });
          status.lastScheduleTime = timestamp(due);
        }
      }
      this.queue.addAfter(key, Math.max(100, nextScheduleTime(schedule, timeZone, now) - now + 100));
    }
    if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) await this.ctx.api.updateStatus<CronJob>(R.cronjobs, { ...cj, status });
  }

  /** The Job of one scheduled time; an existing one of the same name (made before a restart) is the same run. */
  private async createJob(cj: Stored<CronJob>, at: number): Promise<Stored<Job> | undefined> {
    const name = `${cj.metadata.name}-${Math.floor(at / 60_000)}`;
    const t = cj.spec.jobTemplate;
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: { ...(t.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP]: timestamp(at) },
        ownerReferences: [ownerRef(cj)],
      },
      spec: structuredClone(t.spec),
    };
    try {
      const made = await this.ctx.api.create<Job>(R.jobs, job);
      this.ctx.events.normal(cj, 'SuccessfulCreate', `Created job ${name}`);
      return made;
    } catch (err) {
      if (errorCode(err) === 409) return undefined;
      this.ctx.events.warning(cj, 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
  }

  private async pruneHistory(cj: CronJob, jobs: Stored<Job>[]): Promise<void> {
    const byStart = (a: Job, b: Job): number => (a.status?.startTime ?? a.metadata.creationTimestamp ?? '').localeCompare(b.status?.startTime ?? b.metadata.creationTimestamp ?? '');
    for (const [outcome, limit] of [['Complete', cj.spec.successfulJobsHistoryLimit ?? 3], ['Failed', cj.spec.failedJobsHistoryLimit ?? 1]] as const) {
      const done = jobs.filter((j) => jobFinished(j) === outcome && !j.metadata.deletionTimestamp).sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await this.deleteJob(cj, j);
    }
  }

  private async deleteJob(cj: CronJob, j: Stored<Job>): Promise<void> {
    try {
      await this.ctx.api.delete(R.jobs, j.metadata.namespace, j.metadata.name, { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } });
      this.ctx.events.normal(cj, 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
    } catch (err) {
      if (errorCode(err) !== 404 && errorCode(err) !== 409) throw err;
    }
  }
}
