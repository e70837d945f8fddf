// batch/v1 Job and CronJob.
import { CORE, META, TIME, bool, int32, kind, list, object, ref, str, strings, type Schema } from './schema-builders';

export const BATCH = 'io.k8s.api.batch.v1.';

export const BATCH_SCHEMAS: Record<string, Schema> = {
  [`${BATCH}Job`]: kind('Runs pods to completion: keeps up to parallelism pods running until completions of them have succeeded, or backoffLimit of them have failed.', {
    spec: ref(`${BATCH}JobSpec`, 'The desired behaviour of the Job.'),
    status: ref(`${BATCH}JobStatus`, 'The observed state of the Job. Read-only.'),
  }),
  [`${BATCH}JobSpec`]: object('The pods a Job runs and when it is done.', {
    parallelism: int32('Pods to run at once at most. Default 1; 0 runs none (as suspend does).'),
    completions: int32('Successful pods the Job needs. Unset: the Job is done when any pod succeeds and none runs (a work queue). Default 1 when parallelism is unset too.'),
    activeDeadlineSeconds: { type: 'integer', format: 'int64', description: 'Seconds from the start after which the Job fails (DeadlineExceeded) and its pods are stopped.' },
    backoffLimit: int32('Pod failures (container restarts under OnFailure count) after which the Job fails (BackoffLimitExceeded). Default 6.'),
    selector: ref(`${META}LabelSelector`, 'Label query over the pods; generated from the Job\'s uid unless manualSelector is set.'),
    manualSelector: bool('Use spec.selector as given instead of generating it.'),
    template: ref(`${CORE}PodTemplateSpec`, 'The pods the Job creates; restartPolicy must be Never or OnFailure.'),
    ttlSecondsAfterFinished: int32('Seconds after the Job finished when it is deleted, with its pods.'),
    completionMode: str('NonIndexed (any completions successes) or Indexed (one success per index 0..completions-1; each pod sees JOB_COMPLETION_INDEX and is named <job>-<index>-...).', ['Indexed', 'NonIndexed']),
    suspend: bool('Stops the Job\'s pods and creates none until false again.'),
    podFailurePolicy: ref(`${BATCH}PodFailurePolicy`, 'Rules on a failed pod\'s exit codes or conditions (DisruptionTarget on evicted pods) that fail the Job at once, ignore the failure or count it. Needs restartPolicy Never.'),
  }, ['template']),
  [`${BATCH}PodFailurePolicy`]: object('Rules checked in order against each failed pod; the first that matches acts, none matching counts the failure.', {
    rules: list(`${BATCH}PodFailurePolicyRule`, 'At most 20 rules.'),
  }, ['rules']),
  [`${BATCH}PodFailurePolicyRule`]: object('One rule: an action and what it matches.', {
    action: str('FailJob: the Job fails (reason PodFailurePolicy); Ignore: the failure does not count against backoffLimit and the pod is replaced; Count: it counts, as with no rule; FailIndex: accepted for backoffLimitPerIndex, which tinykube does not act on, so it counts.', ['Count', 'FailIndex', 'FailJob', 'Ignore']),
    onExitCodes: ref(`${BATCH}PodFailurePolicyOnExitCodesRequirement`, 'Matches a container that ended with one of (In) or none of (NotIn) the exit codes; 0 never matches.'),
    onPodConditions: list(`${BATCH}PodFailurePolicyOnPodConditionsPattern`, 'Matches a pod that has any of these conditions.'),
  }, ['action']),
  [`${BATCH}PodFailurePolicyOnExitCodesRequirement`]: object('Exit codes of a container.', {
    containerName: str('Only this container; unset: any container.'),
    operator: str('In or NotIn.', ['In', 'NotIn']),
    values: { type: 'array', items: { type: 'integer', format: 'int32', default: 0 }, description: 'Exit codes, ascending, no repeats.', 'x-kubernetes-list-type': 'set' },
  }, ['operator', 'values']),
  [`${BATCH}PodFailurePolicyOnPodConditionsPattern`]: object('A pod condition.', {
    type: str('The condition type, e.g. DisruptionTarget.'),
    status: str('True (default), False or Unknown.'),
  }, ['type']),
  [`${BATCH}JobStatus`]: object('The observed state of a Job.', {
    conditions: list(`${BATCH}JobCondition`, 'Complete, Failed, Suspended.', { mergeKey: 'type' }),
    startTime: ref(TIME, 'When the Job started (again, after a suspension).'),
    completionTime: ref(TIME, 'When the Job completed.'),
    active: int32('Pods running or pending.'),
    succeeded: int32('Pods that succeeded.'),
    failed: int32('Pods that failed.'),
    ready: int32('Active pods that are ready.'),
    terminating: int32('Pods being terminated.'),
    completedIndexes: str('Indexes that succeeded, as ranges: 1,3-5.'),
    uncountedTerminatedPods: ref(`${BATCH}UncountedTerminatedPods`, 'Finished pods counted here before their tracking finalizer is removed, so that a restart counts none twice.'),
  }),
  [`${BATCH}UncountedTerminatedPods`]: object('UIDs of finished pods not yet in the counts.', {
    succeeded: strings('UIDs of succeeded pods.', 'set'),
    failed: strings('UIDs of failed pods.', 'set'),
  }),
  [`${BATCH}CronJob`]: kind('Creates a Job from its template at each time of a cron schedule.', {
    spec: ref(`${BATCH}CronJobSpec`, 'The desired behaviour of the CronJob.'),
    status: ref(`${BATCH}CronJobStatus`, 'The observed state of the CronJob. Read-only.'),
  }),
  [`${BATCH}CronJobSpec`]: object('When and what a CronJob runs.', {
    schedule: str('Five cron fields (minute hour day-of-month month day-of-week) or a macro such as @hourly.'),
    timeZone: str('The IANA time zone of the schedule; unset: the controller-manager\'s local zone.'),
    startingDeadlineSeconds: { type: 'integer', format: 'int64', description: 'A run missed by more than this many seconds is skipped.' },
    concurrencyPolicy: str('Allow (default), Forbid (skip a run while one is active) or Replace (stop the active ones first).', ['Allow', 'Forbid', 'Replace']),
    suspend: bool('Creates no Jobs while true; runs missed meanwhile count as missed.'),
    jobTemplate: ref(`${BATCH}JobTemplateSpec`, 'The Job each run creates.'),
    successfulJobsHistoryLimit: int32('Finished successful Jobs to keep. Default 3.'),
    failedJobsHistoryLimit: int32('Failed Jobs to keep. Default 1.'),
  }, ['schedule', 'jobTemplate']),
  [`${BATCH}JobTemplateSpec`]: object('The Jobs a CronJob creates: their metadata and spec.', {
    metadata: ref(`${META}ObjectMeta`, 'Labels and annotations of each Job.'),
    spec: ref(`${BATCH}JobSpec`, 'The spec of each Job.'),
  }),
  [`${BATCH}CronJobStatus`]: object('The observed state of a CronJob.', {
    active: list(`${CORE}ObjectReference`, 'The Jobs that are running.'),
    lastScheduleTime: ref(TIME, 'The last time a Job was scheduled.'),
    lastSuccessfulTime: ref(TIME, 'The last time a Job completed.'),
  }),
  [`${BATCH}JobCondition`]: object("One aspect of a Job's state.", {
    type: str('Complete, Failed, Suspended.'),
    status: str('Whether it holds.', ['False', 'True', 'Unknown']),
    reason: str('A CamelCase reason, e.g. BackoffLimitExceeded, DeadlineExceeded.'),
    message: str('Details for people.'),
    lastProbeTime: ref(TIME, 'Last time the condition was checked.'),
    lastTransitionTime: ref(TIME, 'Last time status changed.'),
  }, ['type', 'status']),
};
