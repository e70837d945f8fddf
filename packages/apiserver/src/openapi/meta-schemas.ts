// meta/v1 definitions shared by every kind, and the scalar types with their own formats.
import { INT_OR_STRING, META, MICRO_TIME, QUANTITY, TIME, bool, freeForm, int64, list, object, ref, str, stringMap, strings, type Schema } from './schema-builders';

export const META_SCHEMAS: Record<string, Schema> = {
  [TIME]: { type: 'string', format: 'date-time', description: 'A timestamp in RFC 3339 form with second precision, e.g. 2026-11-29T15:04:05Z.' },
  [MICRO_TIME]: { type: 'string', format: 'date-time', description: 'A timestamp in RFC 3339 form with microsecond precision.' },
  [INT_OR_STRING]: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], description: 'Either an integer or a string, e.g. 8080 or "http", 1 or "25%".' },
  [QUANTITY]: {
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    description: 'A fixed-point number with an optional suffix: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (m, k, M, G, T, P, E) or an exponent, e.g. "500m" CPU or "128Mi" memory.',
  },
  [`${META}ObjectMeta`]: object('Metadata every persisted object has; users set name or generateName, namespace, labels, annotations, owner references and finalizers, the server sets the rest.', {
    name: str('Unique within a namespace (or the cluster for cluster-scoped kinds). Cannot be updated. Most kinds require a DNS-1123 subdomain; names reach container names, iptables chains and file paths, so they are validated when created.'),
    generateName: str('A prefix the server completes with five random characters when name is empty.'),
    namespace: str('The namespace the object lives in; empty for cluster-scoped kinds. Defaults to "default" when created in no namespace.'),
    uid: str('Set by the server on create, unique in time and space. Read-only.'),
    resourceVersion: str('An opaque value that changes on every write (the etcd revision). Sent back on update, it makes the write conditional: a stale one is a 409 Conflict. Read-only.'),
    generation: int64('A sequence number for the desired state: incremented on every change to spec. Read-only.'),
    creationTimestamp: ref(TIME, 'When the server created the object. Read-only.'),
    deletionTimestamp: ref(TIME, 'Set when a graceful deletion was requested: the object is removed once finalizers are empty and, for pods, once the kubelet has stopped its containers. Read-only.'),
    deletionGracePeriodSeconds: int64('Seconds allowed for graceful termination before the object is removed. Read-only.'),
    labels: stringMap('Key/value pairs used to select and organise objects (selectors of Services, ReplicaSets, Deployments and StatefulSets match them).'),
    annotations: stringMap('Key/value pairs tools and controllers store on the object; not used for selection.'),
    ownerReferences: list(`${META}OwnerReference`, 'The objects this one depends on. When every owner is gone, the garbage collector deletes this object. At most one owner is the controller.', { mergeKey: 'uid' }),
    finalizers: strings('Keys that must be removed before a deleted object is removed from the store.', 'set'),
    managedFields: list(`${META}ManagedFieldsEntry`, 'Which field manager owns which fields, as server-side apply records it.'),
  }),
  [`${META}OwnerReference`]: object('Identifies an owning object in the same namespace.', {
    apiVersion: str('API version of the owner.'),
    kind: str('Kind of the owner.'),
    name: str('Name of the owner.'),
    uid: str('UID of the owner.'),
    controller: bool('True when the owner is the managing controller.'),
    blockOwnerDeletion: bool('With foreground deletion, the owner is not removed until this object is.'),
  }, ['apiVersion', 'kind', 'name', 'uid']),
  [`${META}ManagedFieldsEntry`]: object('The fields one manager owns after one kind of operation.', {
    manager: str('The field manager (fieldManager parameter, or the User-Agent product).'),
    operation: str('The kind of write that set these fields.', ['Apply', 'Update']),
    apiVersion: str('API version the field set is expressed in.'),
    time: ref(TIME, 'When the entry last changed.'),
    fieldsType: str('Format of fieldsV1; always "FieldsV1".'),
    fieldsV1: freeForm('The owned fields as a trie of "f:<name>", "k:<key>" and "v:<value>" entries.'),
    subresource: str('The subresource written through, e.g. "status" or "scale", or empty.'),
  }),
  [`${META}LabelSelector`]: object('A label query. Requirements are ANDed; an empty selector matches everything, a null one nothing.', {
    matchLabels: stringMap('Each entry is the same as a matchExpressions requirement with operator In and one value.'),
    matchExpressions: list(`${META}LabelSelectorRequirement`, 'Requirements on label keys and values.'),
  }),
  [`${META}LabelSelectorRequirement`]: object('A key, an operator and values.', {
    key: str('The label key.'),
    operator: str('How the key relates to the values.', ['DoesNotExist', 'Exists', 'In', 'NotIn']),
    values: strings('Values for In and NotIn (non-empty); empty for Exists and DoesNotExist.'),
  }, ['key', 'operator']),
};
