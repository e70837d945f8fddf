// core/v1 kinds other than Pod: Namespace, Node, Service, Endpoints, Event, PersistentVolumeClaim.
import { CORE, META, MICRO_TIME, TIME, bool, int32, kind, list, object, quantityMap, ref, str, stringMap, strings, type Schema } from './schema-builders';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export const CORE_SCHEMAS: Record<string, Schema> = {
  [`${CORE}Namespace`]: kind('A scope for names. Deleting one deletes everything in it, then the namespace.', {
    spec: ref(`${CORE}NamespaceSpec`, 'Finalizers of the namespace.'),
    status: ref(`${CORE}NamespaceStatus`, 'The observed phase. Read-only.'),
  }),
  [`${CORE}NamespaceSpec`]: object('The namespace\'s finalizers.', { finalizers: strings('Must be empty before the namespace is removed; "kubernetes" is removed by the namespace controller once the namespace is empty.') }),
  [`${CORE}NamespaceStatus`]: object('The observed state of a namespace.', { phase: str('Terminating once deletion was requested.', ['Active', 'Terminating']) }),

  [`${CORE}Node`]: kind('A host that runs pods: registered by its kubelet, which renews a Lease in kube-node-lease as its heartbeat.', {
    spec: ref(`${CORE}NodeSpec`, 'Pod CIDR and scheduling settings.'),
    status: ref(`${CORE}NodeStatus`, 'The observed state, written by the kubelet and the node lifecycle controller. Read-only.'),
  }),
  [`${CORE}NodeSpec`]: object('How the node is used.', {
    podCIDR: str('The pod IP range assigned by the controller-manager\'s node IPAM; the kubelet allocates pod IPs from it.'),
    podCIDRs: strings('The pod IP ranges; the first is podCIDR.', 'set'),
    unschedulable: bool('No new pods are scheduled onto the node (kubectl cordon).'),
    taints: list(`${CORE}Taint`, 'Taints repel pods that do not tolerate them.'),
    providerID: str('An ID for the node given by a cloud provider.'),
  }),
  [`${CORE}Taint`]: object('Repels pods without a matching toleration.', {
    key: str('Taint key.'),
    value: str('Taint value.'),
    effect: str('NoSchedule keeps new pods off, PreferNoSchedule tries to, NoExecute also evicts running pods.', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']),
    timeAdded: ref(TIME, 'When a NoExecute taint was added.'),
  }, ['key', 'effect']),
  [`${CORE}NodeStatus`]: object('The observed state of a node.', {
    capacity: quantityMap('Total resources of the node (cpu, memory, pods).'),
    allocatable: quantityMap('Resources available to pods; the scheduler fits pod requests into it.'),
    conditions: list(`${CORE}NodeCondition`, 'Ready (the kubelet\'s heartbeat) and the pressure conditions.', { mergeKey: 'type' }),
    addresses: list(`${CORE}NodeAddress`, 'Addresses of the node.', { mergeKey: 'type' }),
    nodeInfo: ref(`${CORE}NodeSystemInfo`, 'Versions and IDs reported by the kubelet.'),
    daemonEndpoints: ref(`${CORE}NodeDaemonEndpoints`, 'Ports of the node\'s daemons.'),
    images: list(`${CORE}ContainerImage`, 'Images present on the node.'),
  }),
  [`${CORE}NodeCondition`]: object('One aspect of a node\'s state.', {
    type: str('Ready, MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable.'),
    status: str('Whether it holds; Unknown when the kubelet stopped reporting.', ['False', 'True', 'Unknown']),
    reason: str('A CamelCase reason.'),
    message: str('Details.'),
    lastHeartbeatTime: ref(TIME, 'Last time the kubelet reported it.'),
    lastTransitionTime: ref(TIME, 'Last time status changed.'),
  }, ['type', 'status']),
  [`${CORE}NodeAddress`]: object('An address of a node.', {
    type: str('Kind of address.', ['ExternalIP', 'Hostname', 'InternalIP']),
    address: str('The address.'),
  }, ['type', 'address']),
  [`${CORE}NodeSystemInfo`]: object('Identity and versions of a node.', {
    machineID: str('/etc/machine-id of the host.'),
    systemUUID: str('System UUID.'),
    bootID: str('Boot ID of the host.'),
    kernelVersion: str('Kernel version (uname -r).'),
    osImage: str('OS image (/etc/os-release PRETTY_NAME).'),
    containerRuntimeVersion: str('docker://<version> of the node\'s dockerd.'),
    kubeletVersion: str('Kubelet version.'),
    kubeProxyVersion: str('Kube-proxy version.'),
    operatingSystem: str('linux.'),
    architecture: str('CPU architecture, e.g. amd64.'),
  }),
  [`${CORE}NodeDaemonEndpoints`]: object('Ports of the node\'s daemons.', { kubeletEndpoint: ref(`${CORE}DaemonEndpoint`, 'The kubelet\'s port (logs, exec, healthz, metrics).') }),
  [`${CORE}DaemonEndpoint`]: object('A port.', { Port: int32('Port number.') }, ['Port']),
  [`${CORE}ContainerImage`]: object('An image on a node.', { names: strings('Names of the image.'), sizeBytes: int32('Size in bytes.') }),

  [`${CORE}Service`]: kind('A stable virtual IP (ClusterIP) and ports, load-balanced by kube-proxy\'s iptables rules over the ready pods its selector matches.', {
    spec: ref(`${CORE}ServiceSpec`, 'The desired behaviour of the service.'),
    status: ref(`${CORE}ServiceStatus`, 'The observed state of the service. Read-only.'),
  }),
  [`${CORE}ServiceSpec`]: object('How a service is exposed and which pods serve it.', {
    type: str('ClusterIP (default) allocates a virtual IP from the service CIDR; NodePort also opens the port on every node; LoadBalancer behaves as NodePort (no load balancer is provisioned); ExternalName only records a DNS name.', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']),
    selector: stringMap('Pods with these labels back the service; the endpoints controller keeps the Endpoints object current. Without a selector, Endpoints are managed by hand.'),
    ports: list(`${CORE}ServicePort`, 'The ports the service exposes.', { mergeKey: 'port', mapKeys: ['port', 'protocol'] }),
    clusterIP: str('The virtual IP, allocated when empty; "None" makes a headless service. Cannot be changed once set.'),
    clusterIPs: strings('The virtual IPs; the first is clusterIP.'),
    ipFamilies: strings('IP families of the service; IPv4 only in tinykube.'),
    ipFamilyPolicy: str('SingleStack (default), PreferDualStack or RequireDualStack; tinykube is single-stack IPv4.'),
    sessionAffinity: str('ClientIP sends one client to the same pod for the affinity timeout (iptables "recent" match). Default None.', ['ClientIP', 'None']),
    sessionAffinityConfig: ref(`${CORE}SessionAffinityConfig`, 'Settings of ClientIP affinity.'),
    externalName: str('DNS name for type ExternalName.'),
    externalTrafficPolicy: str('Whether node ports route to pods on every node or only local ones.' + ' Accepted and stored; tinykube routes to all pods.', ['Cluster', 'Local']),
    internalTrafficPolicy: str('Whether ClusterIP traffic routes to pods on every node or only local ones.' + ' Accepted and stored; tinykube routes to all pods.', ['Cluster', 'Local']),
    publishNotReadyAddresses: bool('List pods in Endpoints addresses whether or not they are ready.'),
  }),
  [`${CORE}ServicePort`]: object('A port of a service.', {
    name: str('A DNS-1123 label; required when there is more than one port. Matches the Endpoints port name.'),
    protocol: str('Default TCP.', PROTOCOLS),
    port: int32('The port on the ClusterIP.'),
    targetPort: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'Port number or container port name on the pods. Defaults to port.'),
    nodePort: int32('Port on every node for NodePort and LoadBalancer services; allocated from the node port range when unset.'),
    appProtocol: str('Application protocol of the port, informational.'),
  }, ['port']),
  [`${CORE}SessionAffinityConfig`]: object('Session affinity settings.', { clientIP: ref(`${CORE}ClientIPConfig`, 'ClientIP affinity settings.') }),
  [`${CORE}ClientIPConfig`]: object('ClientIP affinity settings.', { timeoutSeconds: int32('Seconds a client sticks to a pod. Default 10800.') }),
  [`${CORE}ServiceStatus`]: object('The observed state of a service.', { loadBalancer: ref(`${CORE}LoadBalancerStatus`, 'Load balancer ingress points; none in tinykube.') }),
  [`${CORE}LoadBalancerStatus`]: object('Load balancer ingress points.', { ingress: list(`${CORE}LoadBalancerIngress`, 'Ingress points.') }),
  [`${CORE}LoadBalancerIngress`]: object('An ingress point.', { ip: str('IP address.'), hostname: str('DNS name.') }),

  [`${CORE}Endpoints`]: kind('The addresses and ports that back a service, named after it; kept by the endpoints controller for services with a selector.', {
    subsets: list(`${CORE}EndpointSubset`, 'Groups of addresses that share a set of ports.'),
  }),
  [`${CORE}EndpointSubset`]: object('Addresses with the ports they all serve.', {
    addresses: list(`${CORE}EndpointAddress`, 'Ready addresses; kube-proxy load-balances over these.'),
    notReadyAddresses: list(`${CORE}EndpointAddress`, 'Addresses whose pods are not ready.'),
    ports: list(`${CORE}EndpointPort`, 'The ports.'),
  }),
  [`${CORE}EndpointAddress`]: object('One address.', {
    ip: str('The pod IP.'),
    hostname: str('Hostname of the pod.'),
    nodeName: str('Node the pod runs on.'),
    targetRef: ref(`${CORE}ObjectReference`, 'The pod.'),
  }, ['ip']),
  [`${CORE}EndpointPort`]: object('One port.', {
    name: str('Name of the service port it serves.'),
    port: int32('Port number on the pod.'),
    protocol: str('Default TCP.', PROTOCOLS),
    appProtocol: str('Application protocol, informational.'),
  }, ['port']),

  [`${CORE}Event`]: kind('A report of something that happened to an object, for people; kubectl describe shows the object\'s events.', {
    involvedObject: ref(`${CORE}ObjectReference`, 'The object the event is about.'),
    reason: str('A short CamelCase reason, e.g. Scheduled, Pulled, ScalingReplicaSet.'),
    message: str('What happened.'),
    source: ref(`${CORE}EventSource`, 'The component that reported it.'),
    firstTimestamp: ref(TIME, 'When the event was first recorded.'),
    lastTimestamp: ref(TIME, 'When it most recently occurred.'),
    eventTime: ref(MICRO_TIME, 'When it first occurred, with microseconds.'),
    count: int32('How many times it occurred (repeats are counted on one Event).'),
    type: str('Normal or Warning.', ['Normal', 'Warning']),
    reportingComponent: str('Name of the reporting controller, e.g. default-scheduler.'),
    reportingInstance: str('ID of the reporting instance, e.g. the host name.'),
  }, ['involvedObject', 'metadata']),
  [`${CORE}EventSource`]: object('Who reported an event.', { component: str('Component name.'), host: str('Node name.') }),

  [`${CORE}PersistentVolumeClaim`]: kind('A request for storage. tinykube binds claims to node-local directories: the first pod using a claim fixes its node (annotation volume.kubernetes.io/selected-node) and later pods follow it there.', {
    spec: ref(`${CORE}PersistentVolumeClaimSpec`, 'The storage requested.'),
    status: ref(`${CORE}PersistentVolumeClaimStatus`, 'The observed state of the claim. Read-only.'),
  }),
  [`${CORE}PersistentVolumeClaimSpec`]: object('The storage a claim asks for.', {
    accessModes: strings('ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod.'),
    resources: ref(`${CORE}VolumeResourceRequirements`, 'The size requested.'),
    storageClassName: str('Name of the StorageClass.'),
    volumeName: str('The PersistentVolume bound to the claim.'),
    volumeMode: str('Default Filesystem.', ['Block', 'Filesystem']),
    selector: ref(`${META}LabelSelector`, 'Labels of volumes to bind to.'),
  }),
  [`${CORE}VolumeResourceRequirements`]: object('Storage requests and limits.', {
    limits: quantityMap('The most storage allowed.'),
    requests: quantityMap('The storage requested, e.g. storage: 1Gi.'),
  }),
  [`${CORE}PersistentVolumeClaimStatus`]: object('The observed state of a claim.', {
    phase: str('Pending until the claim is bound to a node\'s storage.', ['Bound', 'Lost', 'Pending']),
    accessModes: strings('Access modes of the bound storage.'),
    capacity: quantityMap('Capacity of the bound storage.'),
  }),
};
