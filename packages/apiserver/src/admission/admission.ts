// The admission chain, as Kubernetes': every write passes the mutating plugins in order, then
// (after the kind's own defaulting and validation) the validating plugins in order. A plugin
// refuses by throwing an ApiError; each is a small file of its own.
import type { KubeObject, ResourceInfo } from '@tinykube/api';
import type { UserInfo } from '../authn/user';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface Attributes {
  operation: Operation;
  resource: ResourceInfo;
  /** '' for the main resource, else e.g. 'status' or 'binding'. */
  subresource: string;
  namespace: string | undefined;
  name: string;
  /** The object being written (absent on DELETE); mutating plugins may change it. */
  object: KubeObject | undefined;
  /** The stored object on UPDATE and DELETE. */
  oldObject: KubeObject | undefined;
  dryRun: boolean;
  /** Who writes; absent for the apiserver's own writes. */
  user?: UserInfo;
  /** Warnings for the client (sent as Warning headers). */
  warnings?: Set<string>;
  /** Annotations for the request's audit event. */
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutating: may change `a.object`. */
  admit?(a: Attributes): void | Promise<void>;
  /** Validating: may only refuse. */
  validate?(a: Attributes): void | Promise<void>;
}

export class AdmissionChain {
  constructor(private readonly plugins: readonly AdmissionPlugin[]) {}

  get names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  async admit(a: Attributes): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(a);
  }

  async validate(a: Attributes): Promise<void> {
    for (const p of this.plugins) if (p.validate) await p.validate(a);
  }
}
