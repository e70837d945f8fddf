// ServiceAccount tokens end to end against the real apiserver: TokenRequest (by REST and by
// `kubectl create token`), the token authenticating as system:serviceaccount:<ns>:<name>
// (SelfSubjectReview, `kubectl auth whoami`), and refused once its account or pod is gone;
// and the `kubernetes` Service the apiserver keeps.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { R, type Endpoints, type Pod, type RoleBinding, type SelfSubjectReview, type Service, type ServiceAccount, type TokenRequest } from '@tinykube/api';
import { tlsFetch } from '@tinykube/client';
import { startTestApi, waitFor, type TestCluster } from '../helpers';

const run = promisify(execFile);
const NS = 'sa-test';
let c: TestCluster;

before(async () => {
  c = await startTestApi();
  await c.rest.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});
after(async () => {
  await c?.stop();
});

const account = (name: string): Promise<ServiceAccount> => c.rest.create<ServiceAccount>(R.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NS } });

async function tokenFor(name: string, spec: TokenRequest['spec'] = {}): Promise<{ status: number; body: TokenRequest & { message?: string } }> {
  const res = await c.fetch(`${c.api.url}/api/v1/namespaces/${NS}/serviceaccounts/${name}/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec }) });
  return { status: res.status, body: (await res.json()) as TokenRequest & { message?: string } };
}

/** Who the apiserver says the bearer of `token` is (a SelfSubjectReview), or the HTTP status. */
async function whoami(token: string): Promise<SelfSubjectReview['status']['userInfo'] | number> {
  const res = await tlsFetch({ ca: c.pki.admin.ca })(`${c.api.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  });
  if (res.status !== 201) return res.status;
  return ((await res.json()) as SelfSubjectReview).status.userInfo;
}

test('a TokenRequest gives a token that authenticates as the ServiceAccount, until the account is deleted (a new one of the same name does not revive it)', async () => {
  const sa = await account('robot');
  const { status, body } = await tokenFor('robot');
  assert.equal(status, 201);
  assert.equal(body.kind, 'TokenRequest');
  assert.equal(body.spec.expirationSeconds, 3600);
  assert.ok(Date.parse(body.status!.expirationTimestamp) > Date.now() + 3500_000);
  const who = await whoami(body.status!.token);
  assert.deepEqual(who, {
    username: `system:serviceaccount:${NS}:robot`,
    uid: sa.metadata.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': [(who as { extra: Record<string, string[]> }).extra['authentication.kubernetes.io/credential-id']![0]!] },
  });
  // The token is good for the API itself, for what RBAC grants it: nothing, until a RoleBinding to view.
  const listPods = (ns: string) => tlsFetch({ ca: c.pki.admin.ca })(`${c.api.url}/api/v1/namespaces/${ns}/pods`, { headers: { Authorization: `Bearer ${body.status!.token}` } });
  const refused = await listPods(NS);
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as { message: string }).message, `pods is forbidden: User "system:serviceaccount:${NS}:robot" cannot list resource "pods" in API group "" in the namespace "${NS}"`);
  await c.rest.create<RoleBinding>(R.rolebindings, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot-view', namespace: NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: NS }] });
  await waitFor(async () => ((await listPods(NS)).status === 200 ? true : undefined), { what: 'the RoleBinding to take effect', timeoutMs: 10_000 });
  assert.equal((await listPods('default')).status, 403, 'nothing in another namespace');
  await c.rest.delete(R.serviceaccounts, NS, 'robot');
  assert.equal(await whoami(body.status!.token), 401);
  await account('robot');
  assert.equal(await whoami(body.status!.token), 401, 'a new account of the same name has another uid');
});

test('a token bound to a pod is refused once the pod is gone; binding checks the pod and its account', async () => {
  await account('worker');
  const pod = await c.rest.create<Pod>(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w', namespace: NS }, spec: { serviceAccountName: 'worker', containers: [{ name: 'c', image: 'busybox:1.35' }] } });
  const bound = await tokenFor('worker', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'w', uid: pod.metadata.uid } });
  assert.equal(bound.status, 201, JSON.stringify(bound.body));
  const who = await whoami(bound.body.status!.token);
  assert.equal(typeof who === 'object' && who.extra?.['authentication.kubernetes.io/pod-name']?.[0], 'w');
  assert.equal(typeof who === 'object' && who.extra?.['authentication.kubernetes.io/pod-uid']?.[0], pod.metadata.uid);

  await account('other');
  const wrong = await tokenFor('other', { boundObjectRef: { kind: 'Pod', name: 'w' } });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.message ?? '', /cannot bind token for serviceaccount "other" to pod running with different serviceaccount name/);
  assert.equal((await tokenFor('worker', { boundObjectRef: { kind: 'Pod', name: 'nope' } })).status, 404);

  await c.rest.delete(R.pods, NS, 'w', { gracePeriodSeconds: 0 });
  assert.equal(await whoami(bound.body.status!.token), 401);
});

test('refused requests: a lifetime under 10 minutes (422), another audience than the API\'s, garbage and tokens of another key (401)', async () => {
  await account('limits');
  const short = await tokenFor('limits', { expirationSeconds: 60 });
  assert.equal(short.status, 422);
  assert.match(short.body.message ?? '', /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
  const elsewhere = await tokenFor('limits', { audiences: ['vault'] });
  assert.equal(elsewhere.status, 201);
  assert.equal(await whoami(elsewhere.body.status!.token), 401, 'a token for another audience is not for the API');
  assert.equal(await whoami('not-a-jwt'), 401);
  const good = (await tokenFor('limits')).body.status!.token;
  const [h, p] = good.split('.');
  assert.equal(await whoami(`${h}.${p}.${Buffer.from('forged').toString('base64url')}`), 401);
  assert.equal((await tokenFor('missing')).status, 404);
});

test('kubectl create token and kubectl auth whoami, with the token alone', async () => {
  await account('cli');
  const token = (await run('kubectl', ['--kubeconfig', c.kubeconfig, 'create', 'token', 'cli', '-n', NS, '--duration', '20m'])).stdout.trim();
  const ca = path.join(c.pki.dir, 'ca.crt');
  fs.writeFileSync(ca, c.pki.admin.ca);
  const { stdout } = await run('kubectl', ['--server', c.api.url, '--certificate-authority', ca, '--token', token, 'auth', 'whoami']);
  assert.match(stdout, new RegExp(`Username\\s+system:serviceaccount:${NS}:cli`));
  assert.match(stdout, /Groups\s+\[system:serviceaccounts system:serviceaccounts:sa-test system:authenticated\]/);
});

test('the apiserver keeps the kubernetes Service (first ClusterIP, port 443) and its Endpoints, and restores them', async () => {
  const svc = await waitFor(() => c.rest.get<Service>(R.services, 'default', 'kubernetes').catch(() => undefined), { what: 'the kubernetes Service', timeoutMs: 10_000 });
  assert.equal(svc.spec.clusterIP, '10.96.0.1');
  assert.deepEqual(svc.spec.ports?.map((p) => [p.name, p.port, p.targetPort]), [['https', 443, c.api.port]]);
  const ep = await waitFor(() => c.rest.get<Endpoints>(R.endpoints, 'default', 'kubernetes').catch(() => undefined), { what: 'its Endpoints', timeoutMs: 10_000 });
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: c.api.port, protocol: 'TCP' }] }]);
  await c.rest.update(R.endpoints, { ...ep, subsets: [] });
  await waitFor(async () => ((await c.rest.get<Endpoints>(R.endpoints, 'default', 'kubernetes')).subsets?.length ?? 0) === 1, { what: 'the Endpoints restored', timeoutMs: 20_000 });
});
