import { objectKey, RESOURCES, resourceByKind, type ApiError, type KubeObject, type ResourceInfo, errorCode, type Stored } from '@tinykube/api';
import type { Informer } from '@tinykube/client';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';

// Garbage collector over ownerReferences:
// - background: a dependent whose owners are all gone is deleted; one with an owner left
//   loses only its references to the owners gone, as Kubernetes' dangling references;
// - foreground: an owner with the foregroundDeletion finalizer has its dependents deleted,
//   and loses the finalizer (and so goes) once none is left;
// - orphan: an owner with the orphan finalizer has its references removed from its
//   dependents, then loses the finalizer.
// Absence seen in the cache is confirmed with a live read before anything is deleted.

const KINDS = ['Pod', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Deployment', 'StatefulSet', 'DaemonSet', 'ControllerRevision', 'PersistentVolumeClaim', 'Endpoints', 'EndpointSlice'];
const RECHECK_MS = 1000;

function byKindName(kind: string): ResourceInfo {
  return RESOURCES.find((r) => r.kind === kind)!;
}

export class GarbageCollector extends QueueController {
  private readonly informers: Informer<KubeObject>[];

  constructor(protected readonly ctx: ControllerContext) {
    super('garbage-collector', { workers: ctx.options.workers, log: ctx.log });
    this.informers = KINDS.map((k) => ctx.informers.get<KubeObject>(byKindName(k)));
    for (const inf of this.informers) {
      inf.addIndexer('owner', (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
      inf.addIndexer('uid', (o) => (o.metadata.uid ? [o.metadata.uid] : []));
      const r = inf.resource;
      const onChange = (o: Stored): void => {
        if (o.metadata.ownerReferences?.length) this.queue.add(`dep|${r.kind}|${objectKey(o)}`);
        const f = o.metadata.finalizers ?? [];
        if (o.metadata.deletionTimestamp && (f.includes('foregroundDeletion') || f.includes('orphan'))) this.queue.add(`owner|${r.kind}|${objectKey(o)}`);
      };
      inf.addEventHandler({
        onAdd: onChange,
        onUpdate: (_, o) => onChange(o),
        onDelete: (o) => {
          // Its dependents may now be orphans; a foreground owner may now be free to go.
          for (const dep of this.dependentsOf(o.metadata.uid)) this.queue.add(`dep|${dep.r.kind}|${objectKey(dep.o)}`);
          for (const ref of o.metadata.ownerReferences ?? []) for (const owner of this.byUid(ref.uid)) this.queue.add(`owner|${owner.r.kind}|${objectKey(owner.o)}`);
        },
      });
    }
  }

  private byUid(uid: string): { r: ResourceInfo; o: Stored }[] {
    return this.informers.flatMap((inf) => inf.byIndex('uid', uid).map((o) => ({ r: inf.resource, o })));
  }

  private dependentsOf(uid: string): { r: ResourceInfo; o: Stored }[] {
    return this.informers.flatMap((inf) => inf.byIndex('owner', uid).map((o) => ({ r: inf.resource, o })));
  }

  protected async sync(key: string): Promise<void> {
    const [role, kind, ref] = key.split('|') as [string, string, string];
    const r = byKindName(kind);
    const obj = this.ctx.informers.get<KubeObject>(r).get(ref);
    if (!obj) return;
    if (role === 'dep') return this.syncDependent(r, obj);
    return this.syncOwner(r, obj);
  }

  /** Whether the owner is really gone: absent from the cache and from a live read. */
  private async ownerGone(ns: string | undefined, ref: { apiVersion: string; kind: string; name: string; uid: string }): Promise<boolean> {
    if (this.byUid(ref.uid).length > 0) return false;
    const r = resourceByKind(ref.apiVersion, ref.kind);
    if (!r) return false; // a kind we do not know: never collect on its behalf
    try {
      const live = await this.ctx.api.get(r, r.namespaced ? ns : undefined, ref.name);
      return live.metadata.uid !== ref.uid;
    } catch (err) {
      if (errorCode(err) === 404) return true;
      throw err;
    }
  }

  private async syncDependent(r: ResourceInfo, o: Stored): Promise<void> {
    const refs = o.metadata.ownerReferences ?? [];
    if (refs.length === 0 || o.metadata.deletionTimestamp) return;
    const dangling: string[] = [];
    for (const ref of refs) if (await this.ownerGone(o.metadata.namespace, ref)) dangling.push(ref.uid);
    if (dangling.length === 0) return;
    if (dangling.length < refs.length) {
      // Some owner is still there: keep the object, drop only the references to owners gone.
      const rest = refs.filter((x) => !dangling.includes(x.uid));
      await this.ctx.api.patch(r, o.metadata.namespace, o.metadata.name, 'merge', { metadata: { ownerReferences: rest, uid: o.metadata.uid } }).catch((err: ApiError) => {
        if (err.code !== 404 && err.code !== 409) throw err;
      });
      return;
    }
    await this.ctx.api.delete(r, o.metadata.namespace, o.metadata.name, { propagationPolicy: 'Background', preconditions: { uid: o.metadata.uid } }).catch((err: ApiError) => {
      if (err.code !== 404 && err.code !== 409) throw err;
    });
  }

  private async syncOwner(r: ResourceInfo, o: Stored): Promise<void> {
    const f = o.metadata.finalizers ?? [];
    if (!o.metadata.deletionTimestamp) return;
    const dependents = this.dependentsOf(o.metadata.uid);
    if (f.includes('orphan')) {
      for (const d of dependents) {
        const rest = (d.o.metadata.ownerReferences ?? []).filter((x) => x.uid !== o.metadata.uid);
        await this.ctx.api.patch(d.r, d.o.metadata.namespace, d.o.metadata.name, 'merge', { metadata: { ownerReferences: rest.length ? rest : null } }).catch((err: ApiError) => {
          if (err.code !== 404) throw err;
        });
      }
      return this.removeFinalizer(r, o, 'orphan');
    }
    if (f.includes('foregroundDeletion')) {
      const blocking = dependents.filter((d) => (d.o.metadata.ownerReferences ?? []).some((x) => x.uid === o.metadata.uid && x.blockOwnerDeletion));
      for (const d of dependents) {
        if (d.o.metadata.deletionTimestamp) continue;
        await this.ctx.api.delete(d.r, d.o.metadata.namespace, d.o.metadata.name, { propagationPolicy: 'Foreground', preconditions: { uid: d.o.metadata.uid } }).catch((err: ApiError) => {
          if (err.code !== 404 && err.code !== 409) throw err;
        });
      }
      if (blocking.length > 0) {
        this.queue.addAfter(`owner|${r.kind}|${objectKey(o)}`, RECHECK_MS);
        return;
      }
      return this.removeFinalizer(r, o, 'foregroundDeletion');
    }
  }

  private async removeFinalizer(r: ResourceInfo, o: Stored, name: string): Promise<void> {
    const latest = await this.ctx.api.get(r, o.metadata.namespace, o.metadata.name);
    const finalizers = (latest.metadata.finalizers ?? []).filter((x) => x !== name);
    await this.ctx.api.update(r, { ...latest, metadata: { ...latest.metadata, finalizers } });
  }
}
