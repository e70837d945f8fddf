// What differs between kinds, as Kubernetes' per-kind REST strategies: the registry (the generic
// store) knows no kind and asks the kind's strategy at each step of a write.
import type { UserInfo } from '../authn/user';
import type { Errs, KubeObject, NameRule } from '@tinykube/api';
import type { Printer } from '../rest/table';
import type { SideKey } from '../storage/etcd-store';

export interface Strategy<T extends KubeObject = KubeObject> {
  /** Names must be DNS-1123 subdomains (most kinds) or labels (Namespace, Service). */
  nameRule: NameRule;
  /** Kubernetes' SetDefaults for the kind. */
  defaults?(obj: T): void;
  /** Status and fields the server sets on a new object (PrepareForCreate). */
  prepareForCreate?(obj: T, user?: UserInfo): void;
  /** The kind's rules for a new or updated object (metadata is checked for every kind). */
  validate?(e: Errs, obj: T): void;
  /** Rules of an update against the stored object (immutable fields). */
  validateUpdate?(e: Errs, next: T, prev: T): void;
  /** A status update is validated as a whole object (Node). */
  validateStatus?: boolean;
  /** A PUT of a missing object creates it (Endpoints, Lease, Event). */
  allowCreateOnUpdate?: boolean;
  /** Side keys written in the object's own transaction (a Service's ClusterIP and node ports); fills the values in. */
  allocate?(next: T, prev: T | undefined): Promise<SideKey[]>;
  /** After a transaction lost to a side key: a value the user asked for that is taken is a 422. */
  recheckAllocations?(next: T, prev: T | undefined): Promise<void>;
  /** Side keys freed in the transaction that deletes the object. */
  release?(obj: T): SideKey[];
  /** Seconds a delete waits before the object goes (a pod on a node); 0 or absent deletes at once. */
  deleteGrace?(obj: T, requested: number | undefined): number;
  /** Finalizers kept in spec (a Namespace's) that hold a deletion as metadata.finalizers do. */
  specFinalizers?(obj: T): string[];
  /** Marks an object held by its spec finalizers as being deleted (a Namespace's Terminating phase). */
  markTerminating?(obj: T): void;
  /** Server-side table columns; absent prints Name and Age. */
  printer?: Printer;
  /** Fields `?fieldSelector=` can name besides metadata.name and metadata.namespace. */
  selectableFields?: string[];
}

/** A strategy for objects of type T, stored as the registry's KubeObject. */
export function strategy<T extends KubeObject>(s: Strategy<T>): Strategy {
  return s;
}
