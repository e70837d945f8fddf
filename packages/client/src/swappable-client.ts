// An ApiClient whose connection can be replaced while it is in use: the kubelet swaps in a
// client with its rotated certificate. New calls go to the new client at once; the old one is
// closed a little later, which ends its watches, and informers re-watch through this client,
// on the new connection, from where they were.
import type { KubeObject, ResourceInfo, Stored, SubjectAccessReview, TokenRequest } from '@tinykube/api';
import type { ApiClient, DeleteOpts, ListResult, PatchKind, WatchCallback, WatchEnd, WatchHandle, WatchOpts } from './api-client';

export class SwappableApiClient implements ApiClient {
  constructor(
    private inner: ApiClient,
    private readonly drainMs = 5000,
  ) {}

  /** Uses `next` from now on; the previous client is closed after the drain time. */
  swap(next: ApiClient): void {
    const old = this.inner;
    this.inner = next;
    setTimeout(() => old.close(), this.drainMs).unref();
  }

  get<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string): Promise<Stored<T>> {
    return this.inner.get<T>(r, namespace, name);
  }
  list<T extends KubeObject>(r: ResourceInfo, namespace?: string, opts?: { labelSelector?: string; fieldSelector?: string }): Promise<ListResult<T>> {
    return this.inner.list<T>(r, namespace, opts);
  }
  watch(r: ResourceInfo, namespace: string | undefined, opts: WatchOpts, onEvent: WatchCallback, onEnd: WatchEnd): WatchHandle {
    return this.inner.watch(r, namespace, opts, onEvent, onEnd);
  }
  create<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.inner.create(r, obj);
  }
  update<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.inner.update(r, obj);
  }
  updateStatus<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.inner.updateStatus(r, obj);
  }
  patch<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, status?: boolean): Promise<Stored<T>> {
    return this.inner.patch<T>(r, namespace, name, kind, patch, status);
  }
  delete(r: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOpts): Promise<Stored> {
    return this.inner.delete(r, namespace, name, opts);
  }
  bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<void> {
    return this.inner.bind(namespace, name, nodeName, podUid);
  }
  reviewAccess(review: SubjectAccessReview): Promise<SubjectAccessReview> {
    return this.inner.reviewAccess(review);
  }

  createToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest> {
    return this.inner.createToken(namespace, serviceAccount, request);
  }
  close(): void {
    this.inner.close();
  }
}
