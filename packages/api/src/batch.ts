// batch/v1 Job.
import type { PodTemplateSpec } from './core';
import type { Condition, KubeObject, LabelSelector } from './meta';

/** Labels Kubernetes' Job strategy puts on the template and selects by. */
export const JOB_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';
/** The finalizer that holds a Job's finished pod until the controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** An Indexed Job's pod index, as annotation and label. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** Rules on a failed pod's exit codes or conditions, checked in order; the first that matches acts. */
export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface Job extends KubeObject {
  spec: {
    parallelism?: number;
    completions?: number;
    activeDeadlineSeconds?: number;
    backoffLimit?: number;
    selector?: LabelSelector;
    manualSelector?: boolean;
    template: PodTemplateSpec;
    ttlSecondsAfterFinished?: number;
    completionMode?: 'NonIndexed' | 'Indexed';
    suspend?: boolean;
    podFailurePolicy?: PodFailurePolicy;
  };
  status?: {
    conditions?: Condition[];
    startTime?: string;
    completionTime?: string;
    active?: number;
    succeeded?: number;
    failed?: number;
    ready?: number;
    terminating?: number;
    completedIndexes?: string;
    /** Finished pods counted in status but whose finalizer is not yet removed (crash safety). */
    uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  };
}

export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    jobTemplate: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Job['spec'] };
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
  };
  status?: {
    active?: Array<{ apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string; resourceVersion?: string }>;
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
}

/** The time a CronJob's Job was scheduled for (RFC 3339), as Kubernetes 1.28+ annotates it. */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
