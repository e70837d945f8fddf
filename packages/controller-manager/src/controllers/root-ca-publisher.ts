import { canonicalJson, errorCode, R, type ConfigMap, type Namespace } from '@tinykube/api';
import { QueueController } from '@tinykube/client';
import type { ControllerContext } from '../controller-context';
import { isActiveNamespace } from './namespace';

// Kubernetes' root-ca-cert-publisher: a `kube-root-ca.crt` ConfigMap in every namespace holding
// the cluster CA as `ca.crt`, which pods' ServiceAccount volumes mount to trust the apiserver.

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export class RootCaPublisher extends QueueController {
  constructor(protected readonly ctx: ControllerContext) {
    super('root-ca-cert-publisher', { workers: ctx.options.workers, log: ctx.log });
    const namespaces = ctx.informers.get<Namespace>(R.namespaces);
    const maps = ctx.informers.get<ConfigMap>(R.configmaps);
    namespaces.addEventHandler({ onAdd: (n) => this.queue.add(n.metadata.name), onUpdate: (_, n) => this.queue.add(n.metadata.name) });
    const mine = (cm: ConfigMap): void => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace ?? '');
    };
    maps.addEventHandler({ onUpdate: (_, cm) => mine(cm), onDelete: mine });
  }

  protected async sync(ns: string): Promise<void> {
    const ca = this.ctx.options.rootCa;
    if (!ca) return;
    const namespace = this.ctx.informers.get<Namespace>(R.namespaces).get(ns);
    if (!isActiveNamespace(namespace)) return;
    const data = { 'ca.crt': ca };
    const current = this.ctx.informers.get<ConfigMap>(R.configmaps).get(`${ns}/${ROOT_CA_CONFIGMAP}`);
    if (current && canonicalJson(current.data ?? {}) === canonicalJson(data)) return;
    const write = current
      ? this.ctx.api.update<ConfigMap>(R.configmaps, { ...current, data })
      : this.ctx.api.create<ConfigMap>(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns }, data });
    await write.catch((err: unknown) => {
      if (![409, 403, 404].includes(errorCode(err) ?? 0)) throw err;
    });
  }
}
