// Kubernetes fields tinykube stores without acting on them, by definition. They are published
// (kubectl explain shows them, saying so) and are known fields, so manifests written for
// Kubernetes pass strict field validation; what is inside them is kept as given.
import { BATCH } from './batch-schemas';
import { APPS, CORE, META, NOT_ACTED_ON, bool, freeForm, int64, str, stringMap, strings, type Schema } from './schema-builders';

const FREE = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

type Kind = 'string' | 'boolean' | 'integer' | 'strings' | 'list' | 'map' | 'object';

/** `mergeKey`: the list's strategic merge key in Kubernetes (lists without one are atomic). */
function accepted(kind: Kind, description: string, mergeKey?: string): Schema {
  const d = description + NOT_ACTED_ON;
  switch (kind) {
    case 'string':
      return str(d);
    case 'boolean':
      return bool(d);
    case 'integer':
      return int64(d);
    case 'strings':
      return strings(d);
    case 'map':
      return stringMap(d);
    case 'object':
      return freeForm(d);
    case 'list':
      return mergeKey
        ? { type: 'array', description: d, items: FREE, 'x-kubernetes-patch-merge-key': mergeKey, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [mergeKey] }
        : { type: 'array', description: d, items: FREE, 'x-kubernetes-list-type': 'atomic' };
  }
}

const volumeSource = (what: string): Schema => accepted('object', `A ${what} volume.`);

export const ACCEPTED_FIELDS: Record<string, Record<string, Schema>> = {
  [`${META}ObjectMeta`]: { selfLink: accepted('string', 'Deprecated link to the object; never set.') },
  [`${CORE}PodSpec`]: {
    ephemeralContainers: accepted('list', 'Debugging containers added to a running pod.', 'name'),
    hostUsers: accepted('boolean', "Use the host's user namespace."),
    hostnameOverride: accepted('string', 'A hostname that replaces the generated one.'),
    imagePullSecrets: accepted('list', 'Secrets for pulling images from private registries.', 'name'),
    os: accepted('object', 'The operating system the pod needs.'),
    overhead: accepted('map', 'Resource overhead of the pod sandbox.'),
    preemptionPolicy: accepted('string', 'Whether the pod may preempt lower-priority pods.'),
    priorityClassName: accepted('string', 'Name of the PriorityClass.'),
    readinessGates: accepted('list', 'Extra conditions for pod readiness.'),
    resourceClaims: accepted('list', 'Dynamic resource claims.', 'name'),
    resources: accepted('object', 'Pod-level resource requests and limits.'),
    runtimeClassName: accepted('string', 'Name of the RuntimeClass.'),
    schedulingGates: accepted('list', 'Gates that hold the pod back from scheduling.', 'name'),
    setHostnameAsFQDN: accepted('boolean', "Set the hostname to the pod's FQDN."),
    topologySpreadConstraints: accepted('list', 'How pods spread across topology domains.', 'topologyKey'),
  },
  [`${CORE}Container`]: {
    resizePolicy: accepted('list', 'How resources are resized in place.'),
    restartPolicyRules: accepted('list', 'Restart rules by exit code.'),
    volumeDevices: accepted('list', 'Block devices of the container.', 'devicePath'),
  },
  [`${CORE}EnvVarSource`]: {
    fileKeyRef: accepted('object', 'A key of a file in a volume.'),
  },
  [`${CORE}ResourceRequirements`]: { claims: accepted('list', 'Dynamic resource claims used by the container.') },
  [`${CORE}VolumeMount`]: {
    mountPropagation: accepted('string', 'Mount propagation mode.'),
    recursiveReadOnly: accepted('string', 'Recursive read-only mode.'),
  },
  [`${CORE}Volume`]: Object.fromEntries(
    [
      ['awsElasticBlockStore', 'AWS EBS'], ['azureDisk', 'Azure disk'], ['azureFile', 'Azure file'], ['cephfs', 'CephFS'], ['cinder', 'Cinder'], ['csi', 'CSI'],
      ['ephemeral', 'generic ephemeral'], ['fc', 'Fibre Channel'], ['flexVolume', 'FlexVolume'], ['flocker', 'Flocker'],
      ['gcePersistentDisk', 'GCE persistent disk'], ['gitRepo', 'git repository'], ['glusterfs', 'GlusterFS'], ['image', 'OCI image'], ['iscsi', 'iSCSI'], ['nfs', 'NFS'],
      ['photonPersistentDisk', 'Photon disk'], ['portworxVolume', 'Portworx'], ['quobyte', 'Quobyte'], ['rbd', 'Ceph RBD'],
      ['scaleIO', 'ScaleIO'], ['storageos', 'StorageOS'], ['vsphereVolume', 'vSphere'],
    ].map(([field, what]) => [field!, volumeSource(what!)]),
  ),
  [`${CORE}Probe`]: { grpc: accepted('object', 'A gRPC health check.') },
  [`${CORE}Lifecycle`]: { stopSignal: accepted('string', 'Signal that stops the container.') },
  [`${CORE}LifecycleHandler`]: { sleep: accepted('object', 'Sleep for a while.') },
  [`${CORE}PodStatus`]: {
    ephemeralContainerStatuses: accepted('list', 'Statuses of ephemeral containers.'),
    extendedResourceClaimStatus: accepted('object', 'Status of extended resource claims.'),
    hostIPs: accepted('list', 'IPs of the node.', 'ip'),
    observedGeneration: accepted('integer', 'The pod generation this status was computed for.'),
    resize: accepted('string', 'State of an in-place resize.'),
    resourceClaimStatuses: accepted('list', 'Statuses of resource claims.'),
  },
  [`${CORE}PodCondition`]: { observedGeneration: accepted('integer', 'The pod generation the condition was set for.') },
  [`${CORE}ContainerStatus`]: {
    allocatedResources: accepted('map', 'Resources allocated to the container.'),
    allocatedResourcesStatus: accepted('list', 'Health of allocated resources.'),
    resources: accepted('object', 'Resources applied to the running container.'),
    stopSignal: accepted('string', 'Signal that stops the container.'),
    user: accepted('object', 'User identity of the container process.'),
    volumeMounts: accepted('list', 'Status of volume mounts.'),
  },
  [`${CORE}NamespaceStatus`]: { conditions: accepted('list', 'Conditions of namespace deletion.', 'type') },
  [`${CORE}NodeSpec`]: {
    configSource: accepted('object', 'Deprecated dynamic kubelet config.'),
    externalID: accepted('string', 'Deprecated external ID.'),
  },
  [`${CORE}NodeStatus`]: {
    config: accepted('object', 'Status of dynamic kubelet config.'),
    features: accepted('object', 'Features the node supports.'),
    phase: accepted('string', 'Deprecated node phase.'),
    runtimeHandlers: accepted('list', 'Runtime handlers of the node.'),
    volumesAttached: accepted('list', 'Volumes attached to the node.'),
    volumesInUse: accepted('strings', 'Volumes in use on the node.'),
  },
  [`${CORE}NodeSystemInfo`]: { swap: accepted('object', 'Swap of the node.') },
  [`${CORE}ServiceSpec`]: {
    allocateLoadBalancerNodePorts: accepted('boolean', 'Allocate node ports for a LoadBalancer service.'),
    externalIPs: accepted('strings', 'Extra IPs that route to the service.'),
    healthCheckNodePort: accepted('integer', 'Health check port for externalTrafficPolicy Local.'),
    loadBalancerClass: accepted('string', 'Class of load balancer implementation.'),
    loadBalancerIP: accepted('string', 'Deprecated requested load balancer IP.'),
    loadBalancerSourceRanges: accepted('strings', 'Client ranges the load balancer admits.'),
    trafficDistribution: accepted('string', 'Preference for how traffic is spread over endpoints.'),
  },
  [`${CORE}ServiceStatus`]: { conditions: accepted('list', 'Conditions of the service.', 'type') },
  [`${CORE}LoadBalancerIngress`]: {
    ipMode: accepted('string', 'How the load balancer IP behaves.'),
    ports: accepted('list', 'Status of the load balancer ports.'),
  },
  [`${CORE}Event`]: {
    action: accepted('string', 'What was done, or failed.'),
    related: accepted('object', 'A second object the event is about.'),
    series: accepted('object', 'Data about a series of events.'),
  },
  [`${CORE}PersistentVolumeClaimSpec`]: {
    dataSource: accepted('object', 'Source to populate the volume from.'),
    dataSourceRef: accepted('object', 'Source to populate the volume from.'),
    volumeAttributesClassName: accepted('string', 'Name of the VolumeAttributesClass.'),
  },
  [`${CORE}PersistentVolumeClaimStatus`]: {
    allocatedResourceStatuses: accepted('map', 'State of resize operations.'),
    allocatedResources: accepted('map', 'Resources allocated to the claim.'),
    conditions: accepted('list', 'Conditions of the claim.', 'type'),
    currentVolumeAttributesClassName: accepted('string', 'Current VolumeAttributesClass.'),
    modifyVolumeStatus: accepted('object', 'State of a volume modification.'),
  },
  [`${APPS}ReplicaSetStatus`]: { terminatingReplicas: accepted('integer', 'Pods being terminated.') },
  [`${APPS}DeploymentStatus`]: { terminatingReplicas: accepted('integer', 'Pods being terminated.') },
  [`${APPS}StatefulSetSpec`]: { ordinals: accepted('object', 'The first ordinal of the pods.') },
  [`${BATCH}JobSpec`]: {
    successPolicy: accepted('object', 'Rules that declare an Indexed Job succeeded early.'),
    backoffLimitPerIndex: accepted('integer', 'Failures allowed per index of an Indexed Job.'),
    maxFailedIndexes: accepted('integer', 'Failed indexes after which an Indexed Job fails.'),
    podReplacementPolicy: accepted('string', 'When a failed pod is replaced: TerminatingOrFailed or Failed.'),
    managedBy: accepted('string', 'The controller that reconciles the Job, when not the built-in one.'),
  },
  [`${BATCH}JobStatus`]: { failedIndexes: accepted('string', 'Indexes that failed, with backoffLimitPerIndex.') },
  ['io.k8s.api.coordination.v1.LeaseSpec']: {
    preferredHolder: accepted('string', 'Holder a coordinated leader election prefers.'),
    strategy: accepted('string', 'Strategy of coordinated leader election.'),
  },
};
