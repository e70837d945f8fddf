// An in-memory ApiClient for unit tests of controllers and agents: objects with uids,
// resourceVersions and generations, list and watch (resumable from a resourceVersion) with label
// and field selectors, optimistic concurrency, the status split, merge patch, generateName, and
// deletion as the apiserver does it (finalizers, Foreground/Orphan, graceful deletion of bound
// pods). It validates nothing else: the apiserver's own tests cover that.
import { randomUUID } from 'node:crypto';
import {
  deepCopy,
  errors,
  mergePatch,
  objectKey,
  parseFieldSelector,
  parseSelector,
  matchesFields,
  qualifiedResource,
  R,
  semanticJson,
  timestamp,
  type Stored, type KubeObject,
  type Pod,
  type ResourceInfo,
  type TokenRequest,
  type SubjectAccessReview,
  type WatchEventType,
} from '@tinykube/api';
import type { ApiClient, DeleteOpts, ListResult, PatchKind, WatchCallback, WatchEnd, WatchHandle, WatchOpts } from './api-client';

/** One write the fake served, for tests that count what a controller did. */
export interface FakeAction {
  verb: 'create' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'bind';
  resource: string;
  namespace?: string;
  name: string;
}

interface Event {
  rv: number;
  resource: string;
  type: WatchEventType;
  object: KubeObject;
}

interface Watcher {
  resource: string;
  namespace?: string;
  matches(o: KubeObject): boolean;
  onEvent: WatchCallback;
  stopped: boolean;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class FakeApiClient implements ApiClient {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: Event[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 0;
  /** Every write served, oldest first. */
  readonly actions: FakeAction[] = [];
  /** Called before each write; throw from it to make that write fail. */
  beforeWrite?: (a: FakeAction) => void;

  // ---- test helpers ----

  /** Stores objects as they are (after filling uid, resourceVersion and timestamps), as if created earlier. */
  seed(r: ResourceInfo, ...objs: KubeObject[]): void {
    for (const o of objs) this.store(r, this.fill(deepCopy(o)), 'ADDED');
  }

  /** The stored objects of a resource, optionally of one namespace. */
  all<T extends KubeObject>(r: ResourceInfo, namespace?: string): Stored<T>[] {
    return [...(this.objects.get(qualifiedResource(r))?.values() ?? [])].filter((o) => namespace === undefined || o.metadata.namespace === namespace).map((o) => deepCopy(o) as Stored<T>);
  }

  find<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string): Stored<T> | undefined {
    const o = this.table(r).get(keyOf(namespace, name));
    return o ? (deepCopy(o) as Stored<T>) : undefined;
  }

  /** Writes done, by verb and resource: `count('create', R.pods)`. */
  count(verb: FakeAction['verb'], r: ResourceInfo): number {
    return this.actions.filter((a) => a.verb === verb && a.resource === qualifiedResource(r)).length;
  }

  // ---- ApiClient ----

  get<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string): Promise<Stored<T>> {
    const o = this.find<T>(r, namespace, name);
    return o ? Promise.resolve(o) : Promise.reject(errors.notFound(qualifiedResource(r), name));
  }

  list<T extends KubeObject>(r: ResourceInfo, namespace?: string, opts: { labelSelector?: string; fieldSelector?: string } = {}): Promise<ListResult<T>> {
    try {
      const matches = matcher(opts);
      return Promise.resolve({ items: this.all<T>(r, namespace).filter(matches), resourceVersion: String(this.rv) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  watch(r: ResourceInfo, namespace: string | undefined, opts: WatchOpts, onEvent: WatchCallback, onEnd: WatchEnd): WatchHandle {
    const w: Watcher = { resource: qualifiedResource(r), namespace, matches: matcher(opts), onEvent, stopped: false };
    const from = Number(opts.resourceVersion ?? this.rv);
    const missed = this.history.filter((e) => e.rv > from && e.resource === w.resource);
    queueMicrotask(() => {
      for (const e of missed) this.deliver(w, e);
      if (!w.stopped) this.watchers.add(w);
    });
    return {
      stop: () => {
        if (w.stopped) return;
        w.stopped = true;
        this.watchers.delete(w);
        queueMicrotask(() => onEnd());
      },
    };
  }

  create<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.write({ verb: 'create', resource: qualifiedResource(r), namespace: obj.metadata.namespace, name: obj.metadata.name ?? obj.metadata.generateName ?? '' }, () => {
      const o = deepCopy(obj);
      if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + suffix();
      if (this.table(r).has(objectKey(o))) throw errors.alreadyExists(qualifiedResource(r), o.metadata.name ?? '');
      delete o.metadata.resourceVersion;
      return this.store(r, this.fill(o), 'ADDED') as Stored<T>;
    });
  }

  update<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.write({ verb: 'update', resource: qualifiedResource(r), namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }, () => this.replace(r, deepCopy(obj), false) as Stored<T>);
  }

  updateStatus<T extends KubeObject>(r: ResourceInfo, obj: T): Promise<Stored<T>> {
    return this.write({ verb: 'updateStatus', resource: qualifiedResource(r), namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' }, () => this.replace(r, deepCopy(obj), true) as Stored<T>);
  }

  patch<T extends KubeObject>(r: ResourceInfo, namespace: string | undefined, name: string, kind: PatchKind, patch: unknown, status = false): Promise<Stored<T>> {
    return this.write({ verb: 'patch', resource: qualifiedResource(r), namespace, name }, () => {
      if (kind !== 'merge') throw errors.badRequest(`the fake API serves merge patches only, not ${kind}`);
      const current = this.current(r, namespace, name);
      const uid = (patch as { metadata?: { uid?: string } }).metadata?.uid;
      if (uid && uid !== current.metadata.uid) throw errors.conflict(qualifiedResource(r), name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
      const next = mergePatch(deepCopy(current), patch) as T;
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      return this.replace(r, next, status) as Stored<T>;
    });
  }

  delete(r: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOpts = {}): Promise<Stored> {
    return this.write<Stored>({ verb: 'delete', resource: qualifiedResource(r), namespace, name }, () => {
      const o = deepCopy(this.current(r, namespace, name));
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== o.metadata.uid) throw errors.conflict(qualifiedResource(r), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${o.metadata.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== o.metadata.resourceVersion) throw errors.conflict(qualifiedResource(r), name);
      const finalizers = new Set(o.metadata.finalizers ?? []);
      if (opts.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      if (opts.propagationPolicy === 'Orphan') finalizers.add('orphan');
      // A pod bound to a node is deleted gracefully: its kubelet finishes the deletion.
      const grace = r.kind === 'Pod' && (o as Pod).spec.nodeName ? (opts.gracePeriodSeconds ?? (o as Pod).spec.terminationGracePeriodSeconds ?? 30) : 0;
      const immediate = grace === 0 || opts.gracePeriodSeconds === 0;
      if (finalizers.size === 0 && immediate) return this.remove(r, o);
      if (o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).length === finalizers.size) return o as Stored;
      o.metadata.finalizers = [...finalizers];
      o.metadata.deletionTimestamp = timestamp();
      if (!immediate) o.metadata.deletionGracePeriodSeconds = grace;
      return this.store(r, o, 'MODIFIED');
    });
  }

  bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<void> {
    return this.write({ verb: 'bind', resource: 'pods', namespace, name }, () => {
      const p = deepCopy(this.current(R.pods, namespace, name)) as Pod;
      if (podUid && podUid !== p.metadata.uid) throw errors.conflict('pods', name);
      if (p.spec.nodeName) throw errors.conflict('pods', name, `pod ${name} is already assigned to node "${p.spec.nodeName}"`);
      p.spec.nodeName = nodeName;
      this.store(R.pods, p, 'MODIFIED');
    }).then(() => undefined);
  }

  /** Who may do what, for reviewAccess: everything unless a test says otherwise. */
  allows: (review: SubjectAccessReview) => boolean = () => true;

  reviewAccess(review: SubjectAccessReview): Promise<SubjectAccessReview> {
    return Promise.resolve({ ...review, status: { allowed: this.allows(review) } });
  }

  /** Tokens are opaque strings naming the account and a serial; the fake checks the account exists. */
  createToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest> {
    return this.write({ verb: 'create', resource: 'serviceaccounts/token', namespace, name: serviceAccount }, () => {
      this.current(R.serviceaccounts, namespace, serviceAccount);
      const seconds = request.spec.expirationSeconds ?? 3600;
      return { ...request, status: { token: `fake-token-${namespace}-${serviceAccount}-${randomUUID()}`, expirationTimestamp: timestamp(Date.now() + seconds * 1000) } };
    });
  }

  close(): void {
    for (const w of this.watchers) w.stopped = true;
    this.watchers.clear();
  }

  // ---- the store ----

  private table(r: ResourceInfo): Map<string, KubeObject> {
    const k = qualifiedResource(r);
    let t = this.objects.get(k);
    if (!t) this.objects.set(k, (t = new Map()));
    return t;
  }

  private current(r: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const o = this.table(r).get(keyOf(namespace, name));
    if (!o) throw errors.notFound(qualifiedResource(r), name);
    return o;
  }

  private fill(o: KubeObject): KubeObject {
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= timestamp();
    o.metadata.generation ??= 1;
    return o;
  }

  /** Update or updateStatus: the resourceVersion must match when given; the other half is kept. */
  private replace(r: ResourceInfo, next: KubeObject, status: boolean): Stored {
    const name = next.metadata.name ?? '';
    const current = this.current(r, next.metadata.namespace, name);
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) throw errors.conflict(qualifiedResource(r), name);
    let merged: KubeObject;
    if (status) merged = { ...deepCopy(current), status: next.status };
    else {
      merged = r.hasStatus ? ({ ...next, status: deepCopy(current.status) }) : next;
      merged.metadata = { ...merged.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, deletionTimestamp: current.metadata.deletionTimestamp, generation: current.metadata.generation };
      if (merged.metadata.deletionTimestamp === undefined) delete merged.metadata.deletionTimestamp;
      if (specOf(merged) !== specOf(current)) merged.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (merged.status === undefined) delete merged.status;
    // The last finalizer of an object being deleted is gone: the object goes.
    if (merged.metadata.deletionTimestamp && !merged.metadata.finalizers?.length && !merged.metadata.deletionGracePeriodSeconds) return this.remove(r, merged);
    return this.store(r, merged, 'MODIFIED');
  }

  private store(r: ResourceInfo, o: KubeObject, type: WatchEventType): Stored {
    o.metadata.resourceVersion = String(++this.rv);
    this.table(r).set(objectKey(o), o);
    this.emit(r, type, o);
    return deepCopy(o) as Stored;
  }

  private remove(r: ResourceInfo, o: KubeObject): Stored {
    this.table(r).delete(objectKey(o));
    o.metadata.resourceVersion = String(++this.rv);
    this.emit(r, 'DELETED', o);
    return deepCopy(o) as Stored;
  }

  private emit(r: ResourceInfo, type: WatchEventType, o: KubeObject): void {
    const e: Event = { rv: this.rv, resource: qualifiedResource(r), type, object: deepCopy(o) };
    this.history.push(e);
    // Events reach watchers asynchronously, as over a stream.
    const targets = [...this.watchers].filter((w) => w.resource === e.resource);
    queueMicrotask(() => {
      for (const w of targets) this.deliver(w, e);
    });
  }

  private deliver(w: Watcher, e: Event): void {
    if (w.stopped) return;
    if (w.namespace !== undefined && e.object.metadata.namespace !== w.namespace) return;
    if (!w.matches(e.object)) return;
    w.onEvent(e.type, deepCopy(e.object) as Stored);
  }

  private async write<T>(a: FakeAction, fn: () => T): Promise<T> {
    await Promise.resolve();
    this.beforeWrite?.(a);
    this.actions.push(a);
    return fn();
  }
}

function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function suffix(): string {
  return Array.from({ length: 5 }, () => ALPHABET[Math.floor(Math.random() * ALPHABET.length)]).join('');
}

function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o as KubeObject & { status?: unknown };
  return semanticJson(rest);
}

function matcher(opts: { labelSelector?: string; fieldSelector?: string }): (o: KubeObject) => boolean {
  const labels = parseSelector(opts.labelSelector);
  const fieldText = opts.fieldSelector ?? '';
  const fields = parseFieldSelector(fieldText, fieldText.split(',').map((t) => t.split(/[!=]/)[0]?.trim() ?? ''));
  return (o) => labels.matches(o.metadata.labels) && matchesFields(o, fields);
}
