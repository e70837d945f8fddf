// apps/v1 (ReplicaSet, Deployment, StatefulSet, DaemonSet, ControllerRevision), core/v1's
// ReplicationController, coordination.k8s.io/v1 Lease and autoscaling/v1 Scale.
import { APPS, CORE, INT_OR_STRING, META, MICRO_TIME, TIME, bool, freeForm, int32, int64, kind, list, object, ref, str, stringMap, type Schema } from './schema-builders';

const COORDINATION = 'io.k8s.api.coordination.v1.';
const AUTOSCALING = 'io.k8s.api.autoscaling.v1.';

function condition(of: string, types: string): Schema {
  return object(`One aspect of a ${of}'s state.`, {
    type: str(types),
    status: str('Whether it holds.', ['False', 'True', 'Unknown']),
    reason: str('A CamelCase reason.'),
    message: str('Details for people.'),
    lastTransitionTime: ref(TIME, 'Last time status changed.'),
    ...(of === 'deployment' ? { lastUpdateTime: ref(TIME, 'Last time the condition was updated.') } : {}),
  }, ['type', 'status']);
}

const SELECTOR = (of: string): Schema => ref(`${META}LabelSelector`, `Label query over the pods the ${of} owns; must match the template's labels. Cannot be changed once set.`);
const TEMPLATE = (of: string): Schema => ref(`${CORE}PodTemplateSpec`, `The pods the ${of} creates.`);
const MIN_READY = int32('Seconds a new pod must be ready, with no container crashing, to count as available. Default 0.');

export const APPS_SCHEMAS: Record<string, Schema> = {
  [`${APPS}ReplicaSet`]: kind('Keeps a number of identical pods running: creates pods from its template when there are too few, deletes the least valuable when there are too many.', {
    spec: ref(`${APPS}ReplicaSetSpec`, 'The desired behaviour of the ReplicaSet.'),
    status: ref(`${APPS}ReplicaSetStatus`, 'The observed state of the ReplicaSet. Read-only.'),
  }),
  [`${APPS}ReplicaSetSpec`]: object('The pods a ReplicaSet keeps.', {
    replicas: int32('Number of desired pods. Default 1.'),
    minReadySeconds: MIN_READY,
    selector: SELECTOR('ReplicaSet'),
    template: TEMPLATE('ReplicaSet'),
  }, ['selector']),
  [`${APPS}ReplicaSetStatus`]: object('The observed state of a ReplicaSet.', {
    replicas: int32('Pods the ReplicaSet owns.'),
    fullyLabeledReplicas: int32('Pods whose labels match the template\'s.'),
    readyReplicas: int32('Pods that are ready.'),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    observedGeneration: int64('The generation this status was computed for.'),
    conditions: list(`${APPS}ReplicaSetCondition`, 'ReplicaFailure when pods cannot be created or deleted.', { mergeKey: 'type' }),
  }, ['replicas']),
  [`${APPS}ReplicaSetCondition`]: condition('ReplicaSet', 'ReplicaFailure.'),

  [`${CORE}ReplicationController`]: kind('The older ReplicaSet, in the core group: keeps a number of identical pods running, selected by equality of labels.', {
    spec: ref(`${CORE}ReplicationControllerSpec`, 'The desired behaviour of the ReplicationController.'),
    status: ref(`${CORE}ReplicationControllerStatus`, 'The observed state of the ReplicationController. Read-only.'),
  }),
  [`${CORE}ReplicationControllerSpec`]: object('The pods a ReplicationController keeps.', {
    replicas: int32('Number of desired pods. Default 1.'),
    minReadySeconds: MIN_READY,
    selector: stringMap("Labels the pods must carry (each key equal to its value); defaults to the template's labels, which must match it. May be changed."),
    template: TEMPLATE('ReplicationController'),
  }),
  [`${CORE}ReplicationControllerStatus`]: object('The observed state of a ReplicationController.', {
    replicas: int32('Pods the ReplicationController owns.'),
    fullyLabeledReplicas: int32('Pods whose labels match the template\'s.'),
    readyReplicas: int32('Pods that are ready.'),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    observedGeneration: int64('The generation this status was computed for.'),
    conditions: list(`${CORE}ReplicationControllerCondition`, 'ReplicaFailure when pods cannot be created or deleted.', { mergeKey: 'type' }),
  }, ['replicas']),
  [`${CORE}ReplicationControllerCondition`]: condition('ReplicationController', 'ReplicaFailure.'),

  [`${APPS}Deployment`]: kind('Declarative updates for pods: a Deployment owns one ReplicaSet per pod template revision and moves pods from the old ones to the new one by its strategy.', {
    spec: ref(`${APPS}DeploymentSpec`, 'The desired behaviour of the Deployment.'),
    status: ref(`${APPS}DeploymentStatus`, 'The observed state of the Deployment. Read-only.'),
  }),
  [`${APPS}DeploymentSpec`]: object('The pods a Deployment runs and how it replaces them.', {
    replicas: int32('Number of desired pods. Default 1.'),
    selector: SELECTOR('Deployment'),
    template: TEMPLATE('Deployment'),
    strategy: ref(`${APPS}DeploymentStrategy`, 'The deployment strategy to use to replace existing pods with new ones.'),
    minReadySeconds: MIN_READY,
    revisionHistoryLimit: int32('Old ReplicaSets (scaled to zero) to keep for rollback. Default 10.'),
    paused: bool('While true, template changes start no rollout (kubectl rollout pause/resume).'),
    progressDeadlineSeconds: int32('Seconds a rollout may make no progress before the Progressing condition turns False with reason ProgressDeadlineExceeded. Default 600.'),
  }, ['selector', 'template']),
  [`${APPS}DeploymentStrategy`]: object('How to replace existing pods with new ones.', {
    type: str('Type of deployment. Can be "Recreate" (delete all old pods before creating new ones) or "RollingUpdate" (replace them gradually). Default RollingUpdate.', ['Recreate', 'RollingUpdate']),
    rollingUpdate: ref(`${APPS}RollingUpdateDeployment`, 'Rolling update config params. Present only if type is RollingUpdate.'),
  }),
  [`${APPS}RollingUpdateDeployment`]: object('How fast a rolling update goes.', {
    maxUnavailable: ref(INT_OR_STRING, 'Most pods that may be unavailable during the update: a number or a percentage of desired pods (rounded down). Default 25%. Cannot be 0 when maxSurge is 0.'),
    maxSurge: ref(INT_OR_STRING, 'Most pods that may be created over the desired number: a number or a percentage (rounded up). Default 25%.'),
  }),
  [`${APPS}DeploymentStatus`]: object('The observed state of a Deployment.', {
    observedGeneration: int64('The generation this status was computed for.'),
    replicas: int32('Pods owned by the Deployment\'s ReplicaSets.'),
    updatedReplicas: int32('Pods with the current template.'),
    readyReplicas: int32('Pods that are ready.'),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    unavailableReplicas: int32('Pods still needed for the Deployment to be fully available.'),
    conditions: list(`${APPS}DeploymentCondition`, 'Available and Progressing.', { mergeKey: 'type' }),
    collisionCount: int32('Counts hash collisions of ReplicaSet names; mixed into the pod-template-hash.'),
  }),
  [`${APPS}DeploymentCondition`]: condition('deployment', 'Available, Progressing or ReplicaFailure.'),

  [`${APPS}StatefulSet`]: kind('Pods with stable identities: ordinal names (web-0, web-1, ...), a stable hostname under the governing service, and claims from volumeClaimTemplates that outlive the pods.', {
    spec: ref(`${APPS}StatefulSetSpec`, 'The desired behaviour of the StatefulSet.'),
    status: ref(`${APPS}StatefulSetStatus`, 'The observed state of the StatefulSet. Read-only.'),
  }),
  [`${APPS}StatefulSetSpec`]: object('The pods a StatefulSet runs and how it updates them.', {
    replicas: int32('Number of desired pods. Default 1.'),
    selector: SELECTOR('StatefulSet'),
    template: TEMPLATE('StatefulSet'),
    serviceName: str('The governing (usually headless) service; pods get the subdomain <serviceName>.'),
    volumeClaimTemplates: list(`${CORE}PersistentVolumeClaim`, 'Claims created for each pod, named <template>-<set>-<ordinal>, kept when pods are deleted or the set is scaled down.'),
    podManagementPolicy: str('OrderedReady (default) creates pods one at a time in order and removes them in reverse; Parallel does both at once.', ['OrderedReady', 'Parallel']),
    updateStrategy: ref(`${APPS}StatefulSetUpdateStrategy`, 'How pods are replaced when the template changes.'),
    revisionHistoryLimit: int32('ControllerRevisions to keep for rollback. Default 10.'),
    minReadySeconds: MIN_READY,
    persistentVolumeClaimRetentionPolicy: ref(`${APPS}StatefulSetPersistentVolumeClaimRetentionPolicy`, 'What happens to claims on deletion and scale-down. Accepted and stored; tinykube always retains them.'),
  }, ['selector', 'template']),
  [`${APPS}StatefulSetUpdateStrategy`]: object('How a StatefulSet replaces pods.', {
    type: str('RollingUpdate (default) replaces pods from the highest ordinal down; OnDelete replaces a pod only when it is deleted.', ['OnDelete', 'RollingUpdate']),
    rollingUpdate: ref(`${APPS}RollingUpdateStatefulSetStrategy`, 'Parameters of RollingUpdate.'),
  }),
  [`${APPS}RollingUpdateStatefulSetStrategy`]: object('Parameters of a StatefulSet rolling update.', {
    partition: int32('Only pods with an ordinal at or above the partition are updated. Default 0.'),
    maxUnavailable: ref(INT_OR_STRING, 'Most pods that may be unavailable during the update. Default 1.'),
  }),
  [`${APPS}StatefulSetPersistentVolumeClaimRetentionPolicy`]: object('What happens to claims from volumeClaimTemplates.', {
    whenDeleted: str('On deletion of the StatefulSet. Default Retain.', ['Delete', 'Retain']),
    whenScaled: str('On scale-down. Default Retain.', ['Delete', 'Retain']),
  }),
  [`${APPS}StatefulSetStatus`]: object('The observed state of a StatefulSet.', {
    observedGeneration: int64('The generation this status was computed for.'),
    replicas: int32('Pods the StatefulSet owns.'),
    readyReplicas: int32('Pods that are ready.'),
    currentReplicas: int32('Pods at currentRevision.'),
    updatedReplicas: int32('Pods at updateRevision.'),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    currentRevision: str('The ControllerRevision the pods below the partition run.'),
    updateRevision: str('The ControllerRevision of the current template.'),
    collisionCount: int32('Counts hash collisions of ControllerRevision names.'),
    conditions: list(`${APPS}StatefulSetCondition`, 'Conditions of the StatefulSet.', { mergeKey: 'type' }),
  }, ['replicas']),
  [`${APPS}StatefulSetCondition`]: condition('StatefulSet', 'Condition type.'),

  [`${APPS}DaemonSet`]: kind('Runs one pod of its template on every node that fits it (node selector, node affinity, taints it tolerates); nodes that join get one, nodes that go lose theirs.', {
    spec: ref(`${APPS}DaemonSetSpec`, 'The desired behaviour of the DaemonSet.'),
    status: ref(`${APPS}DaemonSetStatus`, 'The observed state of the DaemonSet. Read-only.'),
  }),
  [`${APPS}DaemonSetSpec`]: object('The pods a DaemonSet runs and how it updates them.', {
    selector: SELECTOR('DaemonSet'),
    template: ref(`${CORE}PodTemplateSpec`, "The pod run on each eligible node; its restartPolicy must be Always. The controller adds the daemon tolerations (not-ready, unreachable, disk/memory/pid-pressure, unschedulable) and a node affinity naming the node."),
    updateStrategy: ref(`${APPS}DaemonSetUpdateStrategy`, 'How pods are replaced when the template changes.'),
    minReadySeconds: MIN_READY,
    revisionHistoryLimit: int32('ControllerRevisions to keep for rollback. Default 10.'),
  }, ['selector', 'template']),
  [`${APPS}DaemonSetUpdateStrategy`]: object('How a DaemonSet replaces pods.', {
    type: str('RollingUpdate (default) replaces pods node by node; OnDelete replaces a pod only when it is deleted.', ['OnDelete', 'RollingUpdate']),
    rollingUpdate: ref(`${APPS}RollingUpdateDaemonSet`, 'Parameters of RollingUpdate.'),
  }),
  [`${APPS}RollingUpdateDaemonSet`]: object('How fast a DaemonSet rolling update goes.', {
    maxUnavailable: ref(INT_OR_STRING, 'Most nodes whose daemon pod may be unavailable during the update: a number or a percentage of desired nodes (rounded up). Default 1. Must be 0 when maxSurge is set.'),
    maxSurge: ref(INT_OR_STRING, 'Most nodes that may run a new pod beside the old one until the new one is available: a number or a percentage (rounded up). Default 0.'),
  }),
  [`${APPS}DaemonSetStatus`]: object('The observed state of a DaemonSet.', {
    currentNumberScheduled: int32('Nodes running at least one daemon pod that should.'),
    numberMisscheduled: int32('Nodes running a daemon pod that should not.'),
    desiredNumberScheduled: int32('Nodes that should run the daemon pod.'),
    numberReady: int32('Nodes that should run the daemon pod and have it Ready.'),
    observedGeneration: int64('The generation this status was computed for.'),
    updatedNumberScheduled: int32('Nodes running the pod of the current template.'),
    numberAvailable: int32('Nodes whose daemon pod is ready for at least minReadySeconds.'),
    numberUnavailable: int32('Nodes that should run the daemon pod and have none available.'),
    collisionCount: int32('Counts hash collisions of ControllerRevision names.'),
    conditions: list(`${APPS}DaemonSetCondition`, 'Conditions of the DaemonSet.', { mergeKey: 'type' }),
  }, ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']),
  [`${APPS}DaemonSetCondition`]: condition('DaemonSet', 'Condition type.'),

  [`${APPS}ControllerRevision`]: kind('An immutable snapshot of a StatefulSet\'s or DaemonSet\'s template, used for rolling updates and rollback.', {
    data: freeForm('The snapshot: a patch holding the pod template.'),
    revision: int64('The revision number.'),
  }, ['revision']),

  [`${COORDINATION}Lease`]: kind('A lease: node heartbeats (kube-node-lease) and leader election of the scheduler and controller-manager (kube-system).', {
    spec: ref(`${COORDINATION}LeaseSpec`, 'The holder and its timing.'),
  }),
  [`${COORDINATION}LeaseSpec`]: object('Who holds a lease and until when.', {
    holderIdentity: str('The current holder.'),
    leaseDurationSeconds: int32('Seconds candidates wait after renewTime before taking the lease over.'),
    acquireTime: ref(MICRO_TIME, 'When the current holder took the lease.'),
    renewTime: ref(MICRO_TIME, 'When the holder last renewed it.'),
    leaseTransitions: int32('How many times the holder changed.'),
  }),

  [`${AUTOSCALING}Scale`]: kind('The scale subresource of Deployments, ReplicaSets, StatefulSets and ReplicationControllers (kubectl scale).', {
    spec: ref(`${AUTOSCALING}ScaleSpec`, 'The desired scale.'),
    status: ref(`${AUTOSCALING}ScaleStatus`, 'The observed scale. Read-only.'),
  }),
  [`${AUTOSCALING}ScaleSpec`]: object('The desired scale.', { replicas: int32('Desired number of pods.') }),
  [`${AUTOSCALING}ScaleStatus`]: object('The observed scale.', {
    replicas: int32('Observed number of pods.'),
    selector: str('The label selector of the pods, in string form.'),
  }, ['replicas']),
};
