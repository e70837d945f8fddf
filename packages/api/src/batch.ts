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
