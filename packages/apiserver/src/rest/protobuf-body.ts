// Request bodies in Kubernetes' protobuf (application/vnd.kubernetes.protobuf), for the kinds
// kubectl sends that way: `kubectl create rolebinding|clusterrolebinding` write through client-go's
// typed clients, which encode protobuf, and so does `kubectl drain` for its evictions. The body is the magic "k8s\0" and a runtime.Unknown
// (typeMeta 1: apiVersion 1, kind 2; raw 2), whose raw bytes are the object; field numbers are
// those of k8s.io/api's generated.proto. Decoded with protobufjs from types declared here, for the
// fields those kinds have; every other kind is refused with a 415 that says to send JSON or YAML.
import * as protobuf from 'protobufjs';
import { errors, statusFailure, ApiError } from '@tinykube/api';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const root = new protobuf.Root();
const type = (name: string, fields: Array<protobuf.Field | protobuf.MapField>): protobuf.Type => {
  const t = new protobuf.Type(name);
  for (const f of fields) t.add(f);
  root.add(t);
  return t;
};
const f = (name: string, id: number, kind: string, rule?: 'repeated'): protobuf.Field => new protobuf.Field(name, id, kind, rule);

const TypeMeta = type('TypeMeta', [f('apiVersion', 1, 'string'), f('kind', 2, 'string')]);
const Unknown = type('Unknown', [f('typeMeta', 1, 'TypeMeta'), f('raw', 2, 'bytes'), f('contentEncoding', 3, 'string'), f('contentType', 4, 'string')]);
type('OwnerReference', [f('kind', 1, 'string'), f('name', 3, 'string'), f('uid', 4, 'string'), f('apiVersion', 5, 'string'), f('controller', 6, 'bool'), f('blockOwnerDeletion', 7, 'bool')]);
type('ObjectMeta', [
  f('name', 1, 'string'),
  f('generateName', 2, 'string'),
  f('namespace', 3, 'string'),
  f('uid', 5, 'string'),
  f('resourceVersion', 6, 'string'),
  new protobuf.MapField('labels', 11, 'string', 'string'),
  new protobuf.MapField('annotations', 12, 'string', 'string'),
  f('ownerReferences', 13, 'OwnerReference', 'repeated'),
  f('finalizers', 14, 'string', 'repeated'),
]);
type('Subject', [f('kind', 1, 'string'), f('apiGroup', 2, 'string'), f('name', 3, 'string'), f('namespace', 4, 'string')]);
type('RoleRef', [f('apiGroup', 1, 'string'), f('kind', 2, 'string'), f('name', 3, 'string')]);
const Binding = type('Binding', [f('metadata', 1, 'ObjectMeta'), f('subjects', 2, 'Subject', 'repeated'), f('roleRef', 3, 'RoleRef')]);
type('Preconditions', [f('uid', 1, 'string'), f('resourceVersion', 2, 'string')]);
type('DeleteOptions', [f('gracePeriodSeconds', 1, 'int64'), f('preconditions', 2, 'Preconditions'), f('orphanDependents', 3, 'bool'), f('propagationPolicy', 4, 'string'), f('dryRun', 5, 'string', 'repeated')]);
const Eviction = type('Eviction', [f('metadata', 1, 'ObjectMeta'), f('deleteOptions', 2, 'DeleteOptions')]);
void TypeMeta;

/** The kinds read from protobuf, by apiVersion and kind. */
const KINDS: Record<string, protobuf.Type> = {
  'rbac.authorization.k8s.io/v1 RoleBinding': Binding,
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': Binding,
  'policy/v1 Eviction': Eviction,
};

/** Go writes every string field, empty ones too; their JSON omits them (omitempty), so the decoded object does too. */
function withoutEmptyStrings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEmptyStrings);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== '').map(([k, x]) => [k, withoutEmptyStrings(x)]));
  return v;
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export function decodeProtobufBody(buf: Buffer): unknown {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('the body is not a Kubernetes protobuf object: it does not start with "k8s\\x00"');
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    envelope = Unknown.toObject(Unknown.decode(buf.subarray(4)), { defaults: false }) as typeof envelope;
  } catch (err) {
    throw errors.badRequest(`the body is not a Kubernetes protobuf object: ${(err as Error).message}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  const t = KINDS[`${apiVersion} ${kind}`];
  if (!t)
    throw new ApiError(statusFailure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - tinykube reads ${PROTOBUF} only for ${Object.keys(KINDS).map((k) => k.split(' ')[1]).join(', ')}; send ${kind || 'this object'} as application/json or application/yaml`, { kind: PROTOBUF }));
  try {
    const obj = t.toObject(t.decode(envelope.raw ?? new Uint8Array()), { defaults: false, arrays: false, objects: false, longs: Number }) as Record<string, unknown>;
    return { apiVersion, kind, ...(withoutEmptyStrings(obj) as Record<string, unknown>) };
  } catch (err) {
    throw errors.badRequest(`the ${kind} in the body could not be decoded: ${(err as Error).message}`);
  }
}
