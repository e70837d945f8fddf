// One etcd watch per resource, fanned out to every client watch: the Kubernetes watch cache.
// Keeps the current objects (for initial events) and a bounded history of events, so a client
// can resume from any resourceVersion still in the history; older ones get 410 Gone.
import { EventEmitter } from 'node:events';
import type { IKeyValue, Watcher } from 'etcd3';
import { errors, type KubeObject, type WatchEventType } from '@tinykube/api';
import type { EtcdStore } from './etcd-store';

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
  /** The object before this event, when there was one. */
  prev?: KubeObject;
  rv: number;
  key: string;
}

export interface ClientEvent {
  type: WatchEventType;
  object: KubeObject;
}

/** Decides whether an object is visible to one watcher (namespace, label and field selectors). */
export type ObjectFilter = (obj: KubeObject) => boolean;

export interface Subscription {
  stop(): void;
}

/** Turns a raw event into what a filtered watcher sees: objects entering the filter are ADDED, leaving it DELETED. */
export function filterEvent(ev: CacheEvent, filter: ObjectFilter): ClientEvent | undefined {
  const now = ev.type !== 'DELETED' && filter(ev.obj);
  const before = ev.prev !== undefined && filter(ev.prev);
  if (ev.type === 'DELETED') return before ? { type: 'DELETED', object: ev.obj } : undefined;
  if (now && before) return { type: 'MODIFIED', object: ev.obj };
  if (now) return { type: 'ADDED', object: ev.obj };
  if (before) return { type: 'DELETED', object: ev.obj };
  return undefined;
}

export class WatchCache {
  private readonly state = new Map<string, KubeObject>();
  private history: CacheEvent[] = [];
  /** Every event with rv > startRv is in `history`. */
  private startRv = 0;
  private currentRv = 0;
  private watcher?: Watcher;
  private readonly bus = new EventEmitter();
  private readyPromise?: Promise<void>;
  private stopped = false;
  private synced = false;

  constructor(
    private readonly store: EtcdStore,
    readonly prefix: string,
    private readonly capacity = 2000,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.bus.setMaxListeners(0);
  }

  /** Listed and watching. */
  get isSynced(): boolean {
    return this.synced;
  }

  ready(): Promise<void> {
    this.readyPromise ??= this.init();
    return this.readyPromise;
  }

  get resourceVersion(): number {
    return this.currentRv;
  }

  /** Every cached object (none while the cache is not listed yet). */
  items(): IterableIterator<KubeObject> {
    return (this.synced ? this.state : new Map<string, KubeObject>()).values();
  }

  /** The cached object at an etcd key, or undefined (also while the cache is not listed yet). */
  peek(key: string): KubeObject | undefined {
    return this.synced ? this.state.get(key) : undefined;
  }

  private async init(): Promise<void> {
    const { items, rv } = await this.store.list(this.prefix);
    this.state.clear();
    for (const it of items) this.state.set(it.key, it.obj);
    this.currentRv = Number(rv);
    this.startRv = Number(rv);
    this.history = [];
    this.synced = true;
    const w = await this.store.client.watch().prefix(this.prefix).startRevision(String(Number(rv) + 1)).withPreviousKV().create();
    this.watcher = w;
    w.on('data', (res) => {
      for (const e of res.events) this.apply(e.type, e.kv, e.prev_kv ?? undefined);
      if (res.header?.revision) this.currentRv = Math.max(this.currentRv, Number(res.header.revision));
    });
    w.on('error', (err) => {
      // Our own position was compacted away (or etcd cancelled us): start over, and make every
      // watcher relist, as it could otherwise miss events.
      this.onError(err);
      if (this.stopped) return;
      this.bus.emit('reset');
      this.synced = false;
      this.readyPromise = undefined;
      void w.cancel().catch(() => undefined);
      setTimeout(() => void this.ready().catch((e: unknown) => this.onError(e)), 500);
    });
  }

  private apply(type: 'Put' | 'Delete', kv: IKeyValue, prevKv?: IKeyValue): void {
    const rv = Number(kv.mod_revision);
    const key = kv.key.toString('utf8');
    let ev: CacheEvent;
    if (type === 'Delete') {
      const prev = prevKv ? this.store.decode(prevKv).obj : this.state.get(key);
      if (!prev) return;
      const obj = structuredClone(prev);
      obj.metadata.resourceVersion = String(rv);
      ev = { type: 'DELETED', obj, prev, rv, key };
      this.state.delete(key);
    } else {
      const { obj } = this.store.decode(kv);
      const prev = prevKv ? this.store.decode(prevKv).obj : this.state.get(key);
      ev = { type: prev ? 'MODIFIED' : 'ADDED', obj, prev, rv, key };
      this.state.set(key, obj);
    }
    this.currentRv = Math.max(this.currentRv, rv);
    this.history.push(ev);
    if (this.history.length > this.capacity) {
      const dropped = this.history.splice(0, this.history.length - this.capacity);
      this.startRv = (dropped[dropped.length - 1] as CacheEvent).rv;
    }
    this.bus.emit('event', ev);
  }

  /**
   * Starts a client watch. With `fromRv` undefined or "0" the client first gets ADDED for every
   * current object; otherwise every event after `fromRv`, then live events. Throws 410 Gone when
   * `fromRv` is older than the history holds.
   */
  async subscribe(fromRv: string | undefined, filter: ObjectFilter, send: (e: ClientEvent) => void, onReset: () => void): Promise<Subscription> {
    await this.ready();
    // Everything from here on is synchronous, so no event can slip in between the replay and
    // the live subscription.
    let last: number;
    if (fromRv === undefined || fromRv === '' || fromRv === '0') {
      last = this.currentRv;
      for (const obj of this.state.values()) if (filter(obj)) send({ type: 'ADDED', object: obj });
    } else {
      const from = Number(fromRv);
      if (!Number.isInteger(from) || from < 0) throw errors.badRequest(`invalid resource version: ${fromRv}`);
      if (from < this.startRv) throw errors.gone(`too old resource version: ${from} (${this.startRv})`);
      last = from;
    }
    const onEvent = (ev: CacheEvent): void => {
      if (ev.rv <= last) return;
      last = ev.rv;
      const out = filterEvent(ev, filter);
      if (out) send(out);
    };
    for (const ev of this.history) onEvent(ev);
    const onResetEvent = (): void => onReset();
    this.bus.on('event', onEvent);
    this.bus.on('reset', onResetEvent);
    const stop = (): void => {
      this.bus.off('event', onEvent);
      this.bus.off('reset', onResetEvent);
    };
    return { stop };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => undefined);
    this.bus.removeAllListeners();
  }
}
