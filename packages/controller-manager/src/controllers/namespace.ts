import { R, RESOURCES, type ApiError, type Namespace } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';

// Namespace: a namespace being deleted (Terminating) has every object in it deleted; once
// nothing is left, its `kubernetes` finalizer is removed and the apiserver lets it go.

const RECHECK_MS = 2000;

/** A namespace that exists and is not being deleted: the controllers that fill namespaces fill only these. */
export function isActiveNamespace(ns: Namespace | undefined): ns is Namespace {
  return !!ns && !ns.metadata.deletionTimestamp && ns.status?.phase !== 'Terminating';
}

export class NamespaceController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('namespace', { workers: ctx.options.workers, log: ctx.log });
    const namespaces = ctx.informers.get<Namespace>(R.namespaces);
    namespaces.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name), onUpdate: (_, n) => this.queue.add(n.metadata.name) });
  }

  protected async sync(name: string): Promise<void> {
    const ns = this.ctx.informers.get<Namespace>(R.namespaces).get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const r of RESOURCES) {
      if (!r.namespaced) continue;
      const { items } = await this.ctx.api.list(r, name);
      remaining += items.length;
      for (const o of items) {
        if (o.metadata.deletionTimestamp) continue;
        await this.ctx.api.delete(r, name, o.metadata.name).catch((err: ApiError) => {
          if (err.code !== 404 && err.code !== 409) throw err;
        });
      }
    }
    if (remaining > 0) {
      this.queue.addAfter(name, RECHECK_MS);
      return;
    }
    const latest = await this.ctx.api.get<Namespace>(R.namespaces, undefined, name);
    await this.ctx.api.update<Namespace>(R.namespaces, { ...latest, spec: { ...latest.spec, finalizers: [] } }).catch((err: ApiError) => {
      if (err.code !== 404) throw err;
    });
  }
}
