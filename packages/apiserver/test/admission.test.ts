// The admission chain and its plugins, without etcd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, R, type KubeObject, type Pod } from '@tinykube/api';
import { admissionChain, type Attributes } from '../src/admission';
import { podSecurityViolations } from '../src/admission/pod-security-checks';

const namespaces = new Map<string, KubeObject>([
  ['active', { metadata: { name: 'active' } }],
  ['going', { metadata: { name: 'going', deletionTimestamp: '2026-01-01T00:00:00Z' } }],
]);
let reads = 0;
const accounts = new Map<string, KubeObject>([
  ['active/default', { metadata: { name: 'default', namespace: 'active' } }],
  ['active/quiet', { metadata: { name: 'quiet', namespace: 'active' }, automountServiceAccountToken: false } as KubeObject],
]);
const chain = admissionChain({
  namespaces: {
    // The cache knows only "active"; everything else is read.
    cached: (name) => (name === 'active' ? namespaces.get(name) : undefined),
    read: (name) => {
      reads++;
      return Promise.resolve(namespaces.get(name));
    },
  },
  serviceAccounts: {
    cached: (ns, name) => accounts.get(`${ns}/${name}`),
    read: (ns, name) => Promise.resolve(accounts.get(`${ns}/${name}`)),
  },
  defaultServiceAccountWaitMs: 50,
  defaultTolerationSeconds: { notReady: 120, unreachable: 60 },
});

const pod = (ns: string): Pod => ({ metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'i' }] } });
const attrs = (o: Partial<Attributes> & Pick<Attributes, 'operation' | 'resource'>): Attributes => ({ subresource: '', namespace: undefined, name: 'p', object: undefined, oldObject: undefined, dryRun: false, ...o });

const code = (n: number) => (e: unknown): boolean => e instanceof ApiError && e.code === n;

test("the plugins run in Kubernetes' order: NamespaceLifecycle first, then ServiceAccount, NodeRestriction, PodSecurity, DefaultTolerationSeconds; RBAC's escalation check last", () => {
  assert.deepEqual(chain.names, ['NamespaceLifecycle', 'ServiceAccount', 'NodeRestriction', 'PodSecurity', 'DefaultTolerationSeconds', 'RBACEscalation']);
});

test('NamespaceLifecycle: creates in a missing namespace are 404, in a terminating one 403; the cache answers for an active one (in the mutating phase, before the other plugins)', async () => {
  reads = 0;
  await chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'active', object: pod('active') }));
  assert.equal(reads, 0);
  await assert.rejects(chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'nope', object: pod('nope') })), code(404));
  await assert.rejects(chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'going', object: pod('going') })), (e: unknown) => code(403)(e) && /pods "p" is forbidden: unable to create new content in namespace going because it is being terminated/.test((e as Error).message));
  // Updates and deletes of what is already there go on in a terminating namespace.
  await chain.admit(attrs({ operation: 'UPDATE', resource: R.pods, namespace: 'going', object: pod('going'), oldObject: pod('going') }));
  await chain.validate(attrs({ operation: 'DELETE', resource: R.pods, namespace: 'going', oldObject: pod('going') }));
});

test('NamespaceLifecycle: default, kube-system and kube-public may not be deleted', async () => {
  for (const name of ['default', 'kube-system', 'kube-public'])
    await assert.rejects(chain.validate(attrs({ operation: 'DELETE', resource: R.namespaces, name })), (e: unknown) => code(403)(e) && new RegExp(`namespaces "${name}" is forbidden: this namespace may not be deleted`).test((e as Error).message));
  await chain.validate(attrs({ operation: 'DELETE', resource: R.namespaces, name: 'team-a' }));
});

test('DefaultTolerationSeconds adds the two tolerations to new pods only, keeping a user\'s own', async () => {
  const p = pod('active');
  p.spec.tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }];
  await chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'active', object: p }));
  assert.deepEqual(p.spec.tolerations.map((t) => `${t.key}=${t.tolerationSeconds}`).sort(), ['node.kubernetes.io/not-ready=120', 'node.kubernetes.io/unreachable=5']);
  const q = pod('active');
  await chain.admit(attrs({ operation: 'UPDATE', resource: R.pods, namespace: 'active', object: q, oldObject: pod('active') }));
  assert.equal(q.spec.tolerations, undefined);
});

test('ServiceAccount: a pod runs as default and gets the kube-api-access volume in every container; an account that opts out, or a missing account, as Kubernetes', async () => {
  const p: Pod = { metadata: { name: 'p', namespace: 'active' }, spec: { initContainers: [{ name: 'i', image: 'i' }], containers: [{ name: 'c', image: 'i' }, { name: 'd', image: 'i' }] } };
  await chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'active', object: p }));
  assert.equal(p.spec.serviceAccountName, 'default');
  const v = p.spec.volumes?.find((x) => x.name.startsWith('kube-api-access-'));
  assert.match(v?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(v?.projected?.sources.map((s) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
  assert.equal(v?.projected?.sources[0]?.serviceAccountToken?.expirationSeconds, 3607);
  for (const c of [...p.spec.initContainers!, ...p.spec.containers]) assert.deepEqual(c.volumeMounts, [{ name: v!.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }], c.name);

  const quiet: Pod = { metadata: { name: 'q', namespace: 'active' }, spec: { serviceAccountName: 'quiet', containers: [{ name: 'c', image: 'i' }] } };
  await chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'active', object: quiet }));
  assert.equal(quiet.spec.volumes, undefined, "the account's automountServiceAccountToken: false");
  const own: Pod = { metadata: { name: 'o', namespace: 'active' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'i' }] } };
  await chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'active', object: own }));
  assert.equal(own.spec.volumes, undefined, "the pod's own false");

  const missing: Pod = { metadata: { name: 'm', namespace: 'active' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'i' }] } };
  await assert.rejects(chain.admit(attrs({ operation: 'CREATE', resource: R.pods, namespace: 'active', object: missing })), (e: unknown) => code(403)(e) && /pods "m" is forbidden: error looking up service account active\/ghost: serviceaccount "ghost" not found/.test((e as Error).message));
});

test("Pod Security levels check what Kubernetes' do, in its words; restricted replaces baseline's capability, hostPath and seccomp checks", () => {
  const pod = (spec: Record<string, unknown>, container: Record<string, unknown> = {}) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', ...container }], ...spec } }) as unknown as Pod;
  assert.deepEqual(podSecurityViolations('privileged', pod({ hostNetwork: true }, { securityContext: { privileged: true } })), []);
  assert.deepEqual(podSecurityViolations('baseline', pod({ hostNetwork: true, hostPID: true, volumes: [{ name: 'root', hostPath: { path: '/' } }] }, { securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'CHOWN'] } }, ports: [{ containerPort: 80, hostPort: 8080 }] })), [
    'host namespaces (hostNetwork=true, hostPID=true)',
    'privileged (container "c" must not set securityContext.privileged=true)',
    'non-default capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add)',
    'hostPath volume ("root")',
    'hostPort (container "c" uses hostPort 8080)',
  ]);
  assert.deepEqual(podSecurityViolations('baseline', pod({})), [], 'a plain pod is baseline');
  assert.deepEqual(podSecurityViolations('restricted', pod({})), [
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
    'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
    'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"])',
  ]);
  const hardened = pod({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, volumes: [{ name: 'tmp', emptyDir: {} }] }, { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } });
  assert.deepEqual(podSecurityViolations('restricted', hardened), []);
  assert.deepEqual(podSecurityViolations('restricted', { ...hardened, spec: { ...hardened.spec, volumes: [{ name: 'root', hostPath: { path: '/' } }] } }), ['restricted volume types (volume "root" uses restricted volume type "hostPath")']);
});
