import { defaultNamespace, type KubeObject } from '@tinykube/api';
import { printers } from '../rest/table';
import { strategy } from './strategy';

type Namespace = KubeObject & { spec?: { finalizers?: string[] }; status?: { phase?: string } };

export const namespaceStrategy = strategy<Namespace>({
  nameRule: 'label',
  defaults: defaultNamespace,
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
  },
  // A namespace empties itself before it goes: the namespace controller removes its content and
  // then the `kubernetes` finalizer.
  specFinalizers: (ns) => ns.spec?.finalizers ?? [],
  markTerminating(ns) {
    ns.status = { phase: 'Terminating' };
  },
  printer: printers.Namespace,
  selectableFields: ['status.phase'],
});
