// Kinds with nothing beyond defaulting, validation and a table: Endpoints, EndpointSlice, Event, Lease,
// PersistentVolumeClaim, ControllerRevision, ServiceAccount.
import { controllerRevisionRules, defaultEndpoints, defaultEvent, defaultPvc, endpointSliceRules, endpointsRules, immutable, type EndpointSlice, eventRules, leaseRules, pvcRules, pvcUpdateRules, type Endpoints, type KubeObject, type Lease, type PersistentVolumeClaim, type ServiceAccount } from '@tinykube/api';
import { age, ageCol, nameCol, printers } from '../rest/table';
import { strategy } from './strategy';

/** Written by controllers with PUT whether or not they exist yet, as Kubernetes allows. */
/** discovery.k8s.io/v1 EndpointSlice: addressType is fixed once made. */
export const endpointSliceStrategy = strategy<EndpointSlice>({
  nameRule: 'subdomain',
  validate: endpointSliceRules,
  validateUpdate: (e, next, prev) => immutable(e, 'addressType', next.addressType, prev.addressType),
  printer: printers.EndpointSlice,
});

export const endpointsStrategy = strategy<Endpoints>({ nameRule: 'subdomain', defaults: defaultEndpoints, validate: endpointsRules, allowCreateOnUpdate: true, printer: printers.Endpoints });

export const eventStrategy = strategy<KubeObject>({
  nameRule: 'subdomain',
  defaults: defaultEvent,
  validate: eventRules,
  allowCreateOnUpdate: true,
  printer: printers.Event,
  selectableFields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
});

export const leaseStrategy = strategy<Lease>({ nameRule: 'subdomain', validate: leaseRules, allowCreateOnUpdate: true, printer: printers.Lease });

export const pvcStrategy = strategy<PersistentVolumeClaim>({
  nameRule: 'subdomain',
  defaults: defaultPvc,
  prepareForCreate(p) {
    p.status = { phase: 'Pending' };
  },
  validate: pvcRules,
  validateUpdate: pvcUpdateRules,
  printer: printers.PersistentVolumeClaim,
});

export const controllerRevisionStrategy = strategy<KubeObject>({ nameRule: 'subdomain', validate: controllerRevisionRules, printer: printers.ControllerRevision });

export const serviceAccountStrategy = strategy<ServiceAccount>({
  nameRule: 'subdomain',
  printer: {
    columns: [nameCol, ['Secrets', 'string', 0, 'Number of secrets of the account.'], ageCol],
    cells: (o) => {
      const sa = o as ServiceAccount;
      return [sa.metadata.name, (sa.secrets ?? []).length, age(sa.metadata.creationTimestamp)];
    },
  },
});
