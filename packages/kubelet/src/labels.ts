// Labels and names of the Docker containers that make a pod. Docker holds the truth: a
// restarted kubelet finds every pod's containers, their attempts and restart counts from these.

export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_ATTEMPT = 'io.tinykube.attempt';
/** `podsandbox` for the pause container, `container` for app containers. */
export const LABEL_TYPE = 'io.kubernetes.docker.type';
/** The container spec's hash: a changed spec (kubectl edit of an image) restarts it. */
export const LABEL_HASH = 'io.tinykube.container.hash';
export const SANDBOX_NAME = 'POD';

/** Docker's name for a container: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`, as dockershim. */
export function containerName(container: string, pod: string, namespace: string, uid: string, attempt: number): string {
  return `k8s_${container}_${pod}_${namespace}_${uid}_${attempt}`;
}
