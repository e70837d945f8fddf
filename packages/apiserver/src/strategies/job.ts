// batch/v1 Job and CronJob. A Job: the server generates the selector from the Job's uid and labels the template
// with it (Kubernetes' generateSelector), unless spec.manualSelector is set.
import { cronJobRules, defaultCronJob, defaultJob, JOB_CONTROLLER_UID, JOB_NAME, jobRules, jobUpdateRules, type CronJob, type Job } from '@tinykube/api';
import { printers } from '../rest/table';
import { strategy } from './strategy';

export const jobStrategy = strategy<Job>({
  nameRule: 'subdomain',
  defaults: defaultJob,
  prepareForCreate(j) {
    j.status = {};
    if (!j.spec || j.spec.manualSelector || !j.spec.template) return;
    const uid = j.metadata.uid ?? '';
    const name = j.metadata.name ?? '';
    const meta = (j.spec.template.metadata ??= {});
    meta.labels = { ...meta.labels, [JOB_CONTROLLER_UID]: uid, [JOB_NAME]: name, 'controller-uid': uid, 'job-name': name };
    j.spec.selector ??= { matchLabels: { [JOB_CONTROLLER_UID]: uid } };
  },
  validate: jobRules,
  validateUpdate: jobUpdateRules,
  printer: printers.Job,
});

export const cronJobStrategy = strategy<CronJob>({
  nameRule: 'subdomain',
  defaults: defaultCronJob,
  prepareForCreate(cj) {
    cj.status = {};
  },
  validate: cronJobRules,
  printer: printers.CronJob,
});
