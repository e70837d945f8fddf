// Objects in etcd as the Kubernetes apiserver keeps them: JSON values, resourceVersion = mod_revision,
// creates and updates as transactions so that concurrent writers cannot overwrite each other.
import { Etcd3, type IKeyValue } from 'etcd3';
import { errors, type KubeObject } from '@tinykube/api';
import { IDENTITY, type Transformer } from './encryption';

/**
 * etcd's default --max-request-bytes (1.5 MiB). A larger object is refused here, as a 413 for
 * that request alone, instead of failing inside etcd's client.
 */
export const MAX_OBJECT_BYTES = 1572864;

export interface StoredObject {
  /** The etcd key the object is stored under. */
  key: string;
  obj: KubeObject;
  /** etcd mod_revision of the key, as a decimal string. */
  rv: string;
  /** Stored with an encryption key (or none) that is no longer the one writes use: an update rewrites it even when nothing changed. */
  stale?: boolean;
}

/** Outcome of a guarded write: either it landed at a new revision, or the guard failed. */
export type WriteResult = { ok: true; rv: string } | { ok: false; current?: StoredObject };

/** One extra key written in the same transaction, e.g. an allocated ClusterIP. */
export interface SideKey {
  key: string;
  /** Must not exist (create) or is removed (delete) along with the object. */
  op: 'create' | 'delete';
  value?: string;
}


/** The end of a prefix's key range: the prefix with its last byte incremented. */
function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  b[b.length - 1]!++;
  return b;
}

export class EtcdStore {
  constructor(
    readonly client: Etcd3,
    /** Encryption at rest of the resources the encryption configuration names. */
    private readonly transformer: Transformer = IDENTITY,
  ) {}

  decode(kv: IKeyValue): StoredObject {
    const key = kv.key.toString('utf8');
    const plain = this.transformer.fromStorage(key, kv.value);
    const obj = JSON.parse(plain.value.toString('utf8')) as KubeObject;
    const rv = String(kv.mod_revision);
    obj.metadata.resourceVersion = rv;
    return { key, obj, rv, ...(plain.stale ? { stale: true } : {}) };
  }

  private encode(key: string, obj: KubeObject): Buffer {
    const copy = { ...obj, metadata: { ...obj.metadata } };
    delete copy.metadata.resourceVersion;
    const text = JSON.stringify(copy);
    if (Buffer.byteLength(text) > MAX_OBJECT_BYTES) throw errors.tooLarge(MAX_OBJECT_BYTES);
    return this.transformer.toStorage(key, Buffer.from(text));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const res = await this.client.get(key).exec();
    const kv = res.kvs[0];
    return kv ? this.decode(kv) : undefined;
  }

  /** Lists a prefix at one consistent revision; returns that revision for a following watch. */
  async list(prefix: string): Promise<{ items: StoredObject[]; rv: string }> {
    const res = await this.client.getAll().prefix(prefix).sort('Key', 'Ascend').exec();
    return { items: res.kvs.map((kv) => this.decode(kv)), rv: String(res.header.revision) };
  }

  /**
   * One page of a prefix: up to `limit` keys from `start` (inclusive), read at `revision` (the
   * first page's, so every page is the same snapshot). `remaining` counts the keys after the page.
   * A revision etcd has compacted away throws 'compacted'.
   */
  async listPage(prefix: string, o: { start?: string; limit: number; revision?: string }): Promise<{ items: StoredObject[]; rv: string; more: boolean; remaining: number }> {
    let b = this.client.getAll().inRange({ start: o.start ?? prefix, end: prefixEnd(prefix) }).sort('Key', 'Ascend').limit(o.limit);
    if (o.revision) b = b.revision(o.revision);
    let res;
    try {
      res = await b.exec();
    } catch (err) {
      if (/required revision has been compacted/.test(String((err as Error).message))) throw new Error('compacted');
      throw err;
    }
    const items = res.kvs.map((kv) => this.decode(kv));
    return { items, rv: o.revision ?? String(res.header.revision), more: res.more, remaining: Math.max(0, Number(res.count) - items.length) };
  }

  async currentRevision(): Promise<string> {
    const res = await this.client.get('/registry/.revision-probe').exec();
    return String(res.header.revision);
  }

  /** Creates the key only if it does not exist (mod_revision == 0), with any side keys, atomically. */
  create(key: string, obj: KubeObject, side: SideKey[] = []): Promise<WriteResult> {
    return this.guardedPut(key, 0, obj, side);
  }

  /** Writes the key only if its mod_revision is still `rv`. */
  update(key: string, obj: KubeObject, rv: string, side: SideKey[] = []): Promise<WriteResult> {
    return this.guardedPut(key, Number(rv), obj, side);
  }

  /** One transaction: the key at `modRevision` and every side key to create absent -> write all. */
  private async guardedPut(key: string, modRevision: number, obj: KubeObject, side: SideKey[]): Promise<WriteResult> {
    let txn = this.client.if(key, 'Mod', '==', modRevision);
    for (const s of side) if (s.op === 'create') txn = txn.and(s.key, 'Mod', '==', 0);
    const ops = [this.client.put(key).value(this.encode(key, obj))];
    for (const s of side) ops.push(s.op === 'create' ? this.client.put(s.key).value(s.value ?? '') : (this.client.delete().key(s.key) as never));
    const res = await txn.then(...ops).else(this.client.get(key)).commit();
    if (res.succeeded) return { ok: true, rv: String(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs?.[0];
    return { ok: false, current: kv ? this.decode(kv) : undefined };
  }

  /** Deletes the key only if its mod_revision is still `rv`, with its side keys. */
  async delete(key: string, rv: string, side: SideKey[] = []): Promise<WriteResult> {
    const ops = [this.client.delete().key(key), ...side.map((s) => this.client.delete().key(s.key))];
    const res = await this.client.if(key, 'Mod', '==', Number(rv)).then(...ops).else(this.client.get(key)).commit();
    if (res.succeeded) return { ok: true, rv: String(res.header.revision) };
    const kv = res.responses[0]?.response_range?.kvs?.[0];
    return { ok: false, current: kv ? this.decode(kv) : undefined };
  }

  /** Keys under a prefix without values (used by allocators). */
  async keys(prefix: string): Promise<string[]> {
    return this.client.getAll().prefix(prefix).keys();
  }

  async compact(revision: string): Promise<void> {
    await this.client.kv.compact({ revision, physical: false });
  }
}
