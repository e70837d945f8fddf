// The client interface every controller and agent programs against; gRPC and REST implement it.
import type { KubeObject, ResourceInfo, Stored, SubjectAccessReview, TokenRequest, WatchEventType } from '@tinykube/api';

export interface ListResult<T extends KubeObject> {
  items: Stored<T>[];
  resourceVersion: string;
}

export interface WatchOpts {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

export interface WatchHandle {
  stop(): void;
}

/** Called once per event; ERROR events carry a Status (410 means: relist). */
export type WatchCallback = (type: WatchEventType, object: Stored) => void;
/** Called once when the stream ends, with the error if it broke. */
export type WatchEnd = (err?: Error) => void;

export interface DeleteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchKind = 'merge' | 'json' | 'strategic';

export interface ApiClient {
  get<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string): Promise<Stored<T>>;
  list<T extends KubeObject>(r: ResourceInfo, namespace?: string, opts?: { labelSelector?: string; fieldSelector?: string }): Promise<ListResult<T>>;
  watch(r: ResourceInfo, namespace: string | undefined, opts: WatchOpts, onEvent: WatchCallback, onEnd: WatchEnd): WatchHandle;
  create<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>>;
  update<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>>;
  updateStatus<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>>;
  patch<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, status?: boolean): Promise<Stored<T>>;
  delete(r: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOpts): Promise<Stored>;
  bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<void>;
  /** The TokenRequest subresource of a ServiceAccount. */
  createToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest>;
  /** A SubjectAccessReview: may this user do that? (The CSR approver asks it.) */
  reviewAccess(review: SubjectAccessReview): Promise<SubjectAccessReview>;
  close(): void;
}

/** `apps/deployments` or `pods`: how a resource is named on the gRPC wire. */
export function wireName(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.plural}` : r.plural;
}
