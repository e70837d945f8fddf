import { errorCode, R, type Namespace, type ServiceAccount } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { isActiveNamespace } from './namespace';

// ServiceAccounts, as Kubernetes' serviceaccount controller: every namespace that is not being
// deleted has a `default` ServiceAccount, made again if someone deletes it.

export const DEFAULT_ACCOUNT = 'default';

export class ServiceAccountController extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('serviceaccount', { workers: ctx.options.workers, log: ctx.log });
    const namespaces = ctx.informers.get<Namespace>(R.namespaces);
    const accounts = ctx.informers.get<ServiceAccount>(R.serviceaccounts);
    namespaces.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name), onUpdate: (_, n) => this.queue.add(n.metadata.name) });
    accounts.addEventHandler({ onDelete: (sa) => sa.metadata.name === DEFAULT_ACCOUNT && this.queue.add(sa.metadata.namespace ?? '') });
  }

  protected async sync(ns: string): Promise<void> {
    const namespace = this.ctx.informers.get<Namespace>(R.namespaces).get(ns);
    if (!isActiveNamespace(namespace)) return;
    if (this.ctx.informers.get<ServiceAccount>(R.serviceaccounts).get(`${ns}/${DEFAULT_ACCOUNT}`)) return;
    await this.ctx.api.create<ServiceAccount>(R.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_ACCOUNT, namespace: ns } }).catch((err: unknown) => {
      // 409: it exists after all; 403/404: the namespace is going away.
      if (![409, 403, 404].includes(errorCode(err) ?? 0)) throw err;
    });
  }
}
