// NamespaceLifecycle, first in Kubernetes' chain: nothing is created in a namespace that does not
// exist or is being deleted, and the namespaces the system needs cannot be deleted.
import { errors, R, type KubeObject } from '@tinykube/api';
import type { AdmissionPlugin, Attributes } from './admission';

export interface NamespaceLookup {
  /** The namespace as the watch cache has it; undefined when the cache does not (yet) know it. */
  cached(name: string): KubeObject | undefined;
  /** The namespace read from storage. */
  read(name: string): Promise<KubeObject | undefined>;
}

/** Namespaces that may not be deleted, as Kubernetes' immortal namespaces. */
export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

  constructor(private readonly namespaces: NamespaceLookup) {}

  validate(a: Attributes): void {
    if (a.operation === 'DELETE' && a.resource.kind === 'Namespace' && IMMORTAL_NAMESPACES.includes(a.name)) throw errors.forbidden(`namespaces "${a.name}" is forbidden: this namespace may not be deleted`);
  }

  /** As Kubernetes', the namespace check is in the mutating phase, before any other plugin looks at the object. */
  async admit(a: Attributes): Promise<void> {
    if (a.operation !== 'CREATE' || !a.resource.namespaced || !a.namespace) return;
    // The cache answers for an active namespace; a miss (perhaps one created a moment ago) or a
    // terminating one is read from storage.
    const cached = this.namespaces.cached(a.namespace);
    if (cached && !cached.metadata.deletionTimestamp) return;
    const ns = await this.namespaces.read(a.namespace);
    if (!ns) throw errors.notFound(R.namespaces.plural, a.namespace);
    if (ns.metadata.deletionTimestamp) throw errors.forbidden(`${a.resource.plural}${a.name ? ` "${a.name}"` : ''} is forbidden: unable to create new content in namespace ${a.namespace} because it is being terminated`);
  }
}
