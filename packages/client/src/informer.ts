// Shared informer: list, then watch from the list's resourceVersion, keeping a local cache with
// indexes; relists on 410 Gone and re-watches with backoff when the stream breaks.
import { objectKey, type KubeObject, type ResourceInfo, type Stored } from '@tinykube/api';
import type { ApiClient, WatchHandle } from './api-client';

export interface EventHandlers<T extends KubeObject> {
  onAdd?(obj: Stored<T>): void;
  onUpdate?(oldObj: Stored<T>, newObj: Stored<T>): void;
  onDelete?(obj: Stored<T>): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-delivers every cached object as an update this often (0: never). */
  resyncMs?: number;
  /** Backoff bounds for re-watching after a broken stream. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onError?(err: unknown): void;
}

export type IndexFunc<T> = (obj: T) => string[];

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new Map<string, Stored<T>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private watch?: WatchHandle;
  private lastRv = '';
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private stopped = true;
  private backoffMs: number;
  private timer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  /** How many full lists were made (the first, and each relist). */
  listCount = 0;

  constructor(
    private readonly client: ApiClient,
    readonly resource: ResourceInfo,
    private readonly opts: InformerOptions = {},
  ) {
    this.backoffMs = opts.minBackoffMs ?? 200;
  }

  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.store.values()) h.onAdd?.(o);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indices.set(name, idx);
    for (const [k, o] of this.store) for (const v of fn(o)) (idx.get(v) ?? idx.set(v, new Set()).get(v)!).add(k);
  }

  byIndex(name: string, value: string): Stored<T>[] {
    const keys = this.indices.get(name)?.get(value);
    return keys ? [...keys].map((k) => this.store.get(k)).filter((o): o is Stored<T> => o !== undefined) : [];
  }

  get(key: string): Stored<T> | undefined {
    return this.store.get(key);
  }

  list(): Stored<T>[] {
    return [...this.store.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get resourceVersion(): string {
    return this.lastRv;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.relist();
    if (this.opts.resyncMs) {
      this.resyncTimer = setInterval(() => {
        for (const o of this.store.values()) for (const h of this.handlers) h.onUpdate?.(o, o);
      }, this.opts.resyncMs);
    }
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
  }

  private index(key: string, oldObj: T | undefined, newObj: T | undefined): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      for (const v of oldObj ? fn(oldObj) : []) idx.get(v)?.delete(key);
      for (const v of newObj ? fn(newObj) : []) (idx.get(v) ?? idx.set(v, new Set()).get(v)!).add(key);
    }
  }

  private put(obj: Stored<T>): void {
    const key = objectKey(obj);
    const old = this.store.get(key);
    this.store.set(key, obj);
    this.index(key, old, obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }

  private remove(obj: Stored<T>): void {
    const key = objectKey(obj);
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    this.index(key, old, undefined);
    for (const h of this.handlers) h.onDelete?.(obj);
  }

  private retryLater(fn: () => void): void {
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.opts.maxBackoffMs ?? 30_000, this.backoffMs * 2);
    this.timer = setTimeout(fn, delay);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    let res;
    try {
      res = await this.client.list<T>(this.resource, this.opts.namespace, { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector });
    } catch (err) {
      this.opts.onError?.(err);
      this.retryLater(() => void this.relist());
      return;
    }
    if (this.stopped) return;
    this.listCount++;
    const seen = new Set<string>();
    for (const o of res.items) {
      seen.add(objectKey(o));
      const old = this.store.get(objectKey(o));
      if (!old || old.metadata.resourceVersion !== o.metadata.resourceVersion) this.put(o);
    }
    for (const [k, o] of [...this.store]) if (!seen.has(k)) this.remove(o);
    this.lastRv = res.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    this.startWatch();
  }

  private startWatch(): void {
    if (this.stopped) return;
    let relisting = false;
    this.watch = this.client.watch(
      this.resource,
      this.opts.namespace,
      { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, resourceVersion: this.lastRv },
      (type, object) => {
        if (type === 'ERROR') {
          // 410 Gone (or any error event): our resourceVersion is no longer served; relist.
          relisting = true;
          this.watch?.stop();
          this.opts.onError?.(object);
          // 410 Gone: relist now. Any other error: relist after a backoff, so it cannot spin.
          if ((object as unknown as { code?: number }).code === 410) void this.relist();
          else this.retryLater(() => void this.relist());
          return;
        }
        this.backoffMs = this.opts.minBackoffMs ?? 200;
        this.lastRv = object.metadata.resourceVersion ?? this.lastRv;
        if (type === 'DELETED') this.remove(object as Stored<T>);
        else if (type === 'ADDED' || type === 'MODIFIED') this.put(object as Stored<T>);
      },
      (err) => {
        if (relisting || this.stopped) return;
        if (err) this.opts.onError?.(err);
        // A broken stream resumes from the last seen resourceVersion; a 410 there makes us relist.
        this.retryLater(() => this.startWatch());
      },
    );
  }
}
