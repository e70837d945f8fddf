// Kubernetes' protobuf bodies, assembled here byte by byte from the wire format and the field
// numbers of k8s.io/api's generated.proto, as `kubectl create rolebinding` sends them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobufBody } from '../src/rest/protobuf-body';

const varint = (n: number): Buffer => {
  const out: number[] = [];
  for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
  return Buffer.from([...out, n]);
};
const ld = (n: number, b: Buffer | string): Buffer => {
  const v = Buffer.from(b);
  return Buffer.concat([varint((n << 3) | 2), varint(v.length), v]);
};
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer => Buffer.concat([Buffer.from('k8s\0', 'latin1'), ld(1, Buffer.concat([ld(1, apiVersion), ld(2, kind)])), ld(2, raw)]);

test('a RoleBinding and a ClusterRoleBinding in protobuf read as their JSON', () => {
  const metadata = Buffer.concat([ld(1, 'readers'), ld(3, 'team-a'), ld(11, Buffer.concat([ld(1, 'app'), ld(2, 'x')]))]);
  // Go writes empty strings too (the User's namespace, the ServiceAccount's apiGroup); JSON omits them.
  const subject = Buffer.concat([ld(1, 'User'), ld(2, 'rbac.authorization.k8s.io'), ld(3, 'bob'), ld(4, '')]);
  const sa = Buffer.concat([ld(1, 'ServiceAccount'), ld(2, ''), ld(3, 'default'), ld(4, 'team-a')]);
  const roleRef = Buffer.concat([ld(1, 'rbac.authorization.k8s.io'), ld(2, 'ClusterRole'), ld(3, 'view')]);
  const raw = Buffer.concat([ld(1, metadata), ld(2, subject), ld(2, sa), ld(3, roleRef)]);
  assert.deepEqual(decodeProtobufBody(envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', raw)), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'readers', namespace: 'team-a', labels: { app: 'x' } },
    subjects: [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'team-a' },
    ],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  });
  const crb = decodeProtobufBody(envelope('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', Buffer.concat([ld(1, ld(1, 'all-view')), ld(3, roleRef)]))) as { kind: string; subjects?: unknown };
  assert.equal(crb.kind, 'ClusterRoleBinding');
  assert.equal(crb.subjects, undefined, 'no subjects is no field, as in JSON');
});

test('other kinds are a 415 that says what to send; bytes that are not an envelope are a 400', () => {
  const code = (b: Buffer): number | undefined => {
    try {
      decodeProtobufBody(b);
      return undefined;
    } catch (err) {
      return (err as { status?: { code?: number } }).status?.code;
    }
  };
  assert.equal(code(envelope('v1', 'Pod', Buffer.alloc(0))), 415);
  assert.throws(() => decodeProtobufBody(envelope('v1', 'Pod', Buffer.alloc(0))), /send Pod as application\/json or application\/yaml/);
  assert.equal(code(Buffer.from('{"kind":"Pod"}')), 400);
  assert.equal(code(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f, 0x01])), 400);
  assert.equal(code(envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', Buffer.from([0x0a, 0x7f]))), 400);
});
