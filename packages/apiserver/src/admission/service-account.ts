// ServiceAccount admission, as Kubernetes': a new pod runs as `default` unless it names an
// account; the account must exist; and unless the pod or its account opts out
// (automountServiceAccountToken: false), the pod gets the kube-api-access-<random> projected
// volume (a bound token, the cluster CA from kube-root-ca.crt, its namespace) mounted read-only
// at /var/run/secrets/kubernetes.io/serviceaccount in every container.
import { randomBytes } from 'node:crypto';
import { errors, type Container, type KubeObject, type Pod, type ServiceAccount, type Volume } from '@tinykube/api';
import type { AdmissionPlugin, Attributes } from './admission';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Kubernetes' default: an hour, plus seven seconds that tell it from a requested hour. */
const TOKEN_SECONDS = 3607;

export interface ServiceAccountLookup {
  cached(namespace: string, name: string): KubeObject | undefined;
  read(namespace: string, name: string): Promise<KubeObject | undefined>;
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';

  /**
   * `defaultWaitMs`: how long a pod in a namespace whose `default` account the controller has
   * not made yet waits for it. Kubernetes refuses such a pod at once and clients retry; a short
   * wait spares `kubectl create namespace x && kubectl run -n x` that race.
   */
  constructor(
    private readonly accounts: ServiceAccountLookup,
    private readonly defaultWaitMs = 3000,
  ) {}

  async admit(a: Attributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.resource.kind !== 'Pod' || a.subresource) return;
    const pod = a.object as Pod | undefined;
    if (!pod?.spec || !a.namespace) return;
    const name = pod.spec.serviceAccountName || pod.spec.serviceAccount || 'default';
    pod.spec.serviceAccountName = name;
    pod.spec.serviceAccount = name;
    const sa = (await this.find(a.namespace, name)) as ServiceAccount | undefined;
    if (!sa) throw errors.forbidden(`pods "${pod.metadata.name || pod.metadata.generateName || ''}" is forbidden: error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
    const mount = pod.spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
    if (!mount) return;
    const containers: Container[] = [...(pod.spec.initContainers ?? []), ...(Array.isArray(pod.spec.containers) ? pod.spec.containers : [])];
    // A pod that mounts something there itself keeps its own.
    if (containers.some((c) => (c?.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH))) return;
    const volume = apiAccessVolume(pod);
    pod.spec.volumes = [...(pod.spec.volumes ?? []), volume];
    for (const c of containers) if (c && typeof c === 'object') c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume.name, mountPath: TOKEN_MOUNT_PATH, readOnly: true }];
  }

  private async find(ns: string, name: string): Promise<KubeObject | undefined> {
    const cached = this.accounts.cached(ns, name);
    if (cached) return cached;
    const deadline = Date.now() + (name === 'default' ? this.defaultWaitMs : 0);
    for (;;) {
      const live = await this.accounts.read(ns, name);
      if (live || Date.now() >= deadline) return live;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function apiAccessVolume(pod: Pod): Volume {
  const taken = new Set((pod.spec.volumes ?? []).map((v) => v.name));
  let name: string;
  do name = `kube-api-access-${Array.from(randomBytes(5), (b) => ALPHABET[b % ALPHABET.length]).join('')}`;
  while (taken.has(name));
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}
