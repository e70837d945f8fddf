// Each kind's strategy on its own, without etcd: what the registry asks of it at each step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errs, formatFieldError, R, validateChange, validateNew, type ConfigMap, type KubeObject, type Pod, type Secret, type Service, SIGNERS, type CertificateSigningRequest } from '@tinykube/api';
import { createCertificateRequest } from '@tinykube/pki';
import type { ServiceAllocators } from '../src/allocators';
import { Strategies, type Strategy } from '../src/strategies';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapRoles } from '../src/authz/bootstrap-policy';

/** Allocators over a set of taken values, as the etcd side keys would be. */
function fakeAllocators(): ServiceAllocators & { ips: Set<string>; ports: Set<number> } {
  const ips = new Set<string>();
  const ports = new Set<number>();
  let nextIp = 10;
  let nextPort = 30000;
  return {
    ips,
    ports,
    serviceCidr: '10.96.0.0/16',
    nodePortRange: [30000, 32767],
    inRange: (ip: string) => ip.startsWith('10.96.'),
    pickClusterIp: () => Promise.resolve(`10.96.0.${nextIp++}`),
    pickNodePort: (taken: Set<number>) => {
      while (taken.has(nextPort) || ports.has(nextPort)) nextPort++;
      return Promise.resolve(nextPort++);
    },
    isClusterIpTaken: (ip: string) => Promise.resolve(ips.has(ip)),
    isNodePortTaken: (p: number) => Promise.resolve(ports.has(p)),
  } as unknown as ServiceAllocators & { ips: Set<string>; ports: Set<number> };
}

const allocators = fakeAllocators();
const strategies = new Strategies(allocators);
const of = (kind: keyof typeof R): Strategy => strategies.for(R[kind]);

/** What the registry does on create: defaults, preparation, validation. */
function created<T extends KubeObject>(kind: keyof typeof R, obj: T): { obj: T; errors: string[] } {
  const s = of(kind);
  s.defaults?.(obj);
  s.prepareForCreate?.(obj);
  return { obj, errors: validateNew(obj, R[kind].namespaced, s.nameRule, s.validate).map((e) => `${e.field}: ${e.detail}`) };
}

function updateErrors<T extends KubeObject>(kind: keyof typeof R, next: T, prev: T): string[] {
  const s = of(kind);
  s.defaults?.(next);
  return s.validateUpdate ? validateChange(next, prev, s.validateUpdate).map((e) => `${e.field}: ${e.detail}`) : [];
}

test('every served kind has a strategy', () => {
  for (const r of Object.values(R)) assert.ok(strategies.for(r), r.kind);
});

test('pod: Pending with its QoS class on create; a bound running pod is deleted gracefully, others at once', () => {
  const { obj } = created<Pod>('pods', { metadata: { name: 'p', namespace: 'd' }, spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } });
  assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'Guaranteed' });
  const s = of('pods');
  assert.equal(s.deleteGrace!(obj, undefined), 0, 'not bound');
  obj.spec.nodeName = 'n';
  obj.spec.terminationGracePeriodSeconds = 12;
  assert.equal(s.deleteGrace!(obj, undefined), 12);
  assert.equal(s.deleteGrace!(obj, 3), 3);
  obj.status!.phase = 'Succeeded';
  assert.equal(s.deleteGrace!(obj, undefined), 0);
  assert.ok(s.selectableFields?.includes('spec.nodeName'));
});

test('namespace: Active on create, held by its spec finalizers and marked Terminating', () => {
  const { obj } = created('namespaces', { metadata: { name: 'team-a' } } as KubeObject);
  assert.deepEqual(obj.status, { phase: 'Active' });
  const s = of('namespaces');
  assert.deepEqual(s.specFinalizers!(obj), ['kubernetes']);
  s.markTerminating!(obj);
  assert.deepEqual(obj.status, { phase: 'Terminating' });
  assert.ok(created('namespaces', { metadata: { name: 'a.b' } } as KubeObject).errors.some((e) => e.startsWith('metadata.name')), 'a label, not a subdomain');
});

test('service: ClusterIP and node ports come as side keys; a requested taken port is a 422; delete frees both', async () => {
  const s = of('services');
  const { obj } = created<Service>('services', { metadata: { name: 'web', namespace: 'd' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] } });
  const side = await s.allocate!(obj, undefined);
  assert.equal(obj.spec.clusterIP, '10.96.0.10');
  assert.deepEqual(obj.spec.clusterIPs, ['10.96.0.10']);
  assert.equal(obj.spec.ports![0]!.nodePort, 30000);
  assert.deepEqual(side.map((k) => `${k.op} ${k.key}`), ['create /registry/ranges/serviceips/10.96.0.10', 'create /registry/ranges/servicenodeports/30000']);
  // An update keeps both and writes no side key.
  const next = structuredClone(obj);
  delete next.spec.ports![0]!.nodePort;
  assert.deepEqual(await s.allocate!(next, obj), []);
  assert.equal(next.spec.ports![0]!.nodePort, 30000);
  // Switching to ClusterIP frees the port.
  const plain = structuredClone(obj);
  plain.spec.type = 'ClusterIP';
  assert.deepEqual((await s.allocate!(plain, obj)).map((k) => `${k.op} ${k.key}`), ['delete /registry/ranges/servicenodeports/30000']);
  assert.deepEqual(s.release!(obj).map((k) => k.key), ['/registry/ranges/serviceips/10.96.0.10', '/registry/ranges/servicenodeports/30000']);
  allocators.ports.add(31000);
  const wants = created<Service>('services', { metadata: { name: 'b', namespace: 'd' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 31000 }] } }).obj;
  await assert.rejects(s.recheckAllocations!(wants, undefined), /provided port is already allocated/);
  await assert.rejects(s.allocate!(created<Service>('services', { metadata: { name: 'c', namespace: 'd' }, spec: { clusterIP: '192.168.0.1', ports: [{ port: 80 }] } }).obj, undefined), /not in the valid range/);
  assert.deepEqual(updateErrors('services', { ...obj, spec: { ...obj.spec, clusterIP: '10.96.0.99' } }, obj), ['spec.clusterIP: field is immutable']);
});

test('workloads: status reset on create, selectors immutable', () => {
  const d = created('deployments', { metadata: { name: 'd', namespace: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 7 } } as KubeObject).obj;
  assert.equal(d.status, undefined);
  const rs = created('replicasets', { metadata: { name: 'r', namespace: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 7 } } as KubeObject).obj;
  assert.deepEqual(rs.status, { replicas: 0 });
  const moved = structuredClone(rs) as KubeObject & { spec: { selector: unknown } };
  moved.spec.selector = { matchLabels: { a: 'c' } };
  assert.deepEqual(updateErrors('replicasets', moved, rs), ['spec.selector: field is immutable']);
});

test('create-on-update is for Endpoints, Lease and Event only; Node and CertificateSigningRequest status is validated as a whole', () => {
  assert.deepEqual(Object.values(R).filter((r) => strategies.for(r).allowCreateOnUpdate).map((r) => r.kind).sort(), ['Endpoints', 'Event', 'Lease']);
  assert.deepEqual(Object.values(R).filter((r) => strategies.for(r).validateStatus).map((r) => r.kind).sort(), ['CertificateSigningRequest', 'Node']);
});

test('certificatesigningrequest: the requester is the authenticated user whatever the body says; status conditions Approved and Denied exclude each other', async () => {
  const { request } = await createCertificateRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
  const csr: CertificateSigningRequest = { metadata: { name: 'n1' }, spec: { request: Buffer.from(request).toString('base64'), signerName: SIGNERS.kubeletClient, usages: ['client auth'], username: 'kubernetes-admin', groups: ['system:masters'] } };
  of('csrs').prepareForCreate?.(csr, { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] });
  assert.equal(csr.spec.username, 'system:bootstrap:abcdef');
  assert.deepEqual(csr.spec.groups, ['system:bootstrappers', 'system:authenticated']);
  assert.deepEqual(csr.status, {});
  const check = (o: CertificateSigningRequest): string[] => validateNew(o, false, 'subdomain', of('csrs').validate).map((e) => `${e.field}: ${e.detail}`);
  assert.deepEqual(check(csr), []);
  const both = { ...csr, status: { conditions: [{ type: 'Approved' as const, status: 'True' as const }, { type: 'Denied' as const, status: 'True' as const }] } };
  assert.deepEqual(check(both), ['status.conditions: Approved and Denied conditions are mutually exclusive']);
  assert.deepEqual(check({ ...csr, spec: { ...csr.spec, expirationSeconds: 60 } }), ['spec.expirationSeconds: may not specify a duration less than 600 seconds (10 minutes)']);
});

test('configmap: keys as Kubernetes checks them, data and binaryData disjoint, 1 MiB in all, immutable stays so', () => {
  const cm = (data: Record<string, string>, extra: Partial<ConfigMap> = {}): ConfigMap => ({ metadata: { name: 'c', namespace: 'd' }, data, ...extra });
  assert.deepEqual(created('configmaps', cm({ 'app.properties': 'a=b', KEY_1: 'x', 'a-b': '' })).errors, []);
  const bad = created('configmaps', cm({ 'a b': 'x', '..x': 'y', '.': 'z' }, { binaryData: { KEY: 'AA==' }, data: { KEY: 'x' } })).errors;
  assert.ok(bad.some((e) => e.startsWith('binaryData[KEY]: duplicate of key present in data')), bad.join('\n'));
  const keys = created('configmaps', cm({ 'a b': 'x', '..x': 'y', '.': 'z' })).errors;
  assert.ok(keys.some((e) => e.startsWith("data[a b]: a valid config key must consist of alphanumeric characters, '-', '_' or '.'")));
  assert.ok(keys.includes("data[..x]: must not start with '..'"));
  assert.ok(keys.includes("data[.]: must not be '.'"));
  assert.deepEqual(created('configmaps', cm({ big: 'x'.repeat(1024 * 1024 + 1) })).errors, [': must have at most 1048576 bytes']);
  const frozen = cm({ a: '1' }, { immutable: true });
  assert.deepEqual(updateErrors('configmaps', cm({ a: '2' }, { immutable: true }), frozen), ['data: field is immutable when `immutable` is set']);
  assert.deepEqual(updateErrors('configmaps', cm({ a: '1' }), frozen), ['immutable: field is immutable when `immutable` is set']);
  assert.deepEqual(updateErrors('configmaps', cm({ a: '2' }), cm({ a: '1' })), []);
});

test('secret: stringData merged into data as base64 and dropped; Opaque by default; typed secrets need their keys; type immutable', () => {
  const { obj, errors } = created<Secret>('secrets', { metadata: { name: 's', namespace: 'd' }, data: { a: Buffer.from('old').toString('base64') }, stringData: { a: 'new', b: 'pw' } });
  assert.deepEqual(errors, []);
  assert.equal(obj.stringData, undefined);
  assert.equal(obj.type, 'Opaque');
  assert.deepEqual(obj.data, { a: Buffer.from('new').toString('base64'), b: Buffer.from('pw').toString('base64') });
  assert.deepEqual(created<Secret>('secrets', { metadata: { name: 't', namespace: 'd' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } }).errors, ['data[tls.key]: ']);
  assert.deepEqual(
    created<Secret>('secrets', { metadata: { name: 'r', namespace: 'd' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{nope').toString('base64') } }).errors.map((e) => e.split(':')[0]),
    ['data[.dockerconfigjson]'],
  );
  assert.deepEqual(created<Secret>('secrets', { metadata: { name: 'b', namespace: 'd' }, type: 'kubernetes.io/basic-auth', data: {} }).errors, ['data[username]: ']);
  assert.deepEqual(updateErrors<Secret>('secrets', { ...obj, type: 'kubernetes.io/tls' }, obj), ['type: field is immutable']);
});

test('Errs from a strategy carry Kubernetes field types', () => {
  const e = new Errs();
  of('configmaps').validate!(e, { metadata: { name: 'c' }, data: { 'a b': '' } } as KubeObject);
  assert.deepEqual(e.list.map((x) => x.type), ['FieldValueInvalid']);
});

test('serviceaccount: a subdomain name; the table shows its secrets as kubectl does', () => {
  const { obj, errors } = created('serviceaccounts', { metadata: { name: 'robot', namespace: 'x' }, secrets: [{ name: 'a' }] } as KubeObject);
  assert.deepEqual(errors, []);
  assert.deepEqual(of('serviceaccounts').printer?.cells(obj).slice(0, 2), ['robot', 1]);
  assert.ok(created('serviceaccounts', { metadata: { name: 'Robot', namespace: 'x' } } as KubeObject).errors.some((e) => e.startsWith('metadata.name')));
});

test('RBAC: the bootstrap policy is valid; bad rules and bindings are refused by field; a binding\'s roleRef is immutable', () => {
  const strategies = new Strategies({} as ServiceAllocators);
  const check = (r: (typeof R)[keyof typeof R], o: KubeObject): string[] => validateNew(o, r.namespaced, strategies.for(r).nameRule, strategies.for(r).validate).map(formatFieldError);
  for (const role of bootstrapClusterRoles()) assert.deepEqual(check(R.clusterroles, role), [], role.metadata.name);
  for (const b of bootstrapClusterRoleBindings()) assert.deepEqual(check(R.clusterrolebindings, b), [], b.metadata.name);
  const { roles, bindings } = bootstrapRoles();
  for (const r of roles) assert.deepEqual(check(R.roles, r), []);
  for (const b of bindings) assert.deepEqual(check(R.rolebindings, b), []);
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'ns' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }, { verbs: ['get'], apiGroups: [''] }] } as KubeObject;
  assert.deepEqual(check(R.roles, role), ['rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs', 'rules[1].resources: Required value: resource rules must supply at least one resource']);
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa', apiGroup: '' }, { kind: 'Robot', name: 'r' }] } as KubeObject;
  assert.deepEqual(check(R.clusterrolebindings, binding), ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', 'subjects[0].namespace: Required value', 'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"']);
  const prev = { ...binding, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } } as KubeObject;
  const next = { ...binding, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' } } as KubeObject;
  assert.match(validateChange(next, prev, strategies.for(R.clusterrolebindings).validateUpdate!).map(formatFieldError).join(), /cannot change roleRef/);
});
