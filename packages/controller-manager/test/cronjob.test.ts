import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, timestamp, type CronJob, type Event, type Job } from '@tinykube/api';
import { startOnFake, until } from './fake-cluster';

const NS = 'default';
const MIN = 60_000;

function cronJob(name: string, minutesAgo: number, spec: Partial<CronJob['spec']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: timestamp(Date.now() - minutesAgo * MIN) },
    spec: { schedule: '* * * * *', concurrencyPolicy: 'Allow', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
  };
}

function ownedJob(cj: CronJob, name: string, outcome?: 'Complete' | 'Failed', startedMinutesAgo = 0): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true }] },
    spec: structuredClone(cj.spec.jobTemplate.spec),
    status: { startTime: timestamp(Date.now() - startedMinutesAgo * MIN), ...(outcome ? { conditions: [{ type: outcome, status: 'True' }], ...(outcome === 'Complete' ? { completionTime: timestamp(Date.now() - startedMinutesAgo * MIN + 1000) } : {}) } : {}) },
  };
}

test('CronJob: missed runs start only the most recent one, named after its minute; Forbid skips while a Job runs; history limits prune', async () => {
  const allow = cronJob('every', 10);
  const forbid = cronJob('forbid', 10, { concurrencyPolicy: 'Forbid' });
  const pruned = cronJob('pruned', 0, { schedule: '0 0 1 1 *', successfulJobsHistoryLimit: 1 });
  const c = await startOnFake(['cronjob'], [
    [R.cronjobs, allow],
    [R.cronjobs, forbid],
    [R.jobs, ownedJob(forbid, 'forbid-running', undefined, 2)],
    [R.cronjobs, pruned],
    [R.jobs, ownedJob(pruned, 'pruned-old', 'Complete', 30)],
    [R.jobs, ownedJob(pruned, 'pruned-new', 'Complete', 20)],
    [R.jobs, ownedJob(pruned, 'pruned-failed', 'Failed', 10)],
  ]);
  try {
    const last = Math.floor(Date.now() / MIN);
    const made = await until('the run of every', () => c.api.find<Job>(R.jobs, NS, `every-${last}`) ?? c.api.find<Job>(R.jobs, NS, `every-${last + 1}`));
    assert.equal(c.api.count('create', R.jobs), 1, 'one Job for ten missed minutes');
    assert.ok(made.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']);
    await until('lastScheduleTime and active', () => {
      const st = c.api.find<CronJob>(R.cronjobs, NS, 'every')?.status;
      return st?.lastScheduleTime && st.active?.length === 1;
    });
    await until('pruned to one success', () => !c.api.find<Job>(R.jobs, NS, 'pruned-old'));
    assert.ok(c.api.find<Job>(R.jobs, NS, 'pruned-new'), 'the newest success is kept');
    assert.ok(c.api.find<Job>(R.jobs, NS, 'pruned-failed'), 'one failure is kept');
    assert.ok(!c.api.find<CronJob>(R.cronjobs, NS, 'forbid')?.status?.lastScheduleTime, 'Forbid made no run while its Job is active');
    assert.equal(c.api.count('create', R.jobs), 1, 'Forbid created nothing');
  } finally {
    await c.stop();
  }
});

test('CronJob: more than 100 missed runs warn TooManyMissedTimes and still start the latest', async () => {
  const c = await startOnFake(['cronjob'], [[R.cronjobs, cronJob('late', 180)]]);
  try {
    await until('one Job', () => c.api.count('create', R.jobs) === 1 || undefined);
    await until('the warning', () => c.api.all<Event>(R.events).find((e) => e.reason === 'TooManyMissedTimes'));
  } finally {
    await c.stop();
  }
});
