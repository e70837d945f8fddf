// Authorization against the real apiserver: RBAC with the bootstrap roles (view, edit, admin
// aggregated by the controller-manager), kubectl auth can-i, escalation prevention, and the Node
// authorizer with NodeRestriction for kubelets' certificates.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { R, type Namespace, type Node, type Pod, type RoleBinding, type Secret } from '@tinykube/api';
import { renderKubeconfig, tlsFetch, type TlsIdentity } from '@tinykube/client';
import { pkiFiles } from '@tinykube/hosts';
import { issueCertificate } from '@tinykube/pki';
import { startTestApi, waitFor, type TestCluster } from '../helpers';

const run = promisify(execFile);
let c: TestCluster;
const A = 'rbac-a';
const B = 'rbac-b';

before(async () => {
  c = await startTestApi();
  for (const ns of [A, B]) await c.rest.create<Namespace>(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});
after(async () => {
  await c?.stop();
});

async function identity(name: string, groups: string[] = []): Promise<Required<TlsIdentity>> {
  const f = pkiFiles(c.pki.dir);
  const ca = { cert: fs.readFileSync(f.ca, 'utf8'), key: fs.readFileSync(f.key('ca'), 'utf8') };
  const id = await issueCertificate(ca, { commonName: name, organizations: groups, usage: 'client' });
  return { ca: ca.cert, cert: id.cert, key: id.key };
}

function as(id: TlsIdentity) {
  const f = tlsFetch(id);
  return async (method: string, p: string, body?: unknown, contentType = 'application/json') => {
    const res = await f(`${c.api.url}${p}`, { method, headers: { 'Content-Type': contentType }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, message: (text.startsWith('{') ? (JSON.parse(text) as { message?: string }).message : text) ?? '' };
  };
}

const bind = (name: string, ns: string, role: string, user: string): Promise<unknown> =>
  c.rest.create<RoleBinding>(R.rolebindings, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }] });

const pod = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox:1.35' }] } });

test('a user bound to view in one namespace lists pods there but creates nothing, and sees nothing elsewhere; kubectl auth can-i says so', async () => {
  await bind('alice-view', A, 'view', 'alice');
  const alice = as(await identity('alice', ['dev']));
  await waitFor(async () => ((await alice('GET', `/api/v1/namespaces/${A}/pods`)).status === 200 ? true : undefined), { what: 'view to be aggregated and bound', timeoutMs: 15_000 });
  const create = await alice('POST', `/api/v1/namespaces/${A}/pods`, pod(A, 'p'));
  assert.equal(create.status, 403);
  assert.equal(create.message, `pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "${A}"`);
  const other = await alice('GET', `/api/v1/namespaces/${B}/pods`);
  assert.equal(other.status, 403);
  assert.equal((await alice('GET', `/api/v1/namespaces/${A}/secrets`)).status, 403, 'view does not read Secrets');
  assert.equal((await alice('GET', '/api/v1/nodes')).message, 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
  assert.equal((await alice('GET', '/apis')).status, 200, 'discovery is for every authenticated user');

  const kubeconfig = path.join(c.pki.dir, 'alice.kubeconfig');
  fs.writeFileSync(kubeconfig, renderKubeconfig(c.api.url, await identity('alice', ['dev']), 'tinykube', 'alice'), { mode: 0o600 });
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfig, ...args]).then((r) => r.stdout.trim(), (e: { stdout?: string; code?: number }) => `${(e.stdout ?? '').trim()} (exit ${e.code})`);
  assert.equal(await kubectl('auth', 'can-i', 'list', 'pods', '-n', A), 'yes');
  assert.equal(await kubectl('auth', 'can-i', 'create', 'pods', '-n', A), 'no (exit 1)');
  assert.equal(await kubectl('auth', 'can-i', 'list', 'pods', '-n', B), 'no (exit 1)');
  const list = await kubectl('auth', 'can-i', '--list', '-n', A);
  assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  assert.match(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
  assert.doesNotMatch(list, /^secrets\s/m);
});

test('escalation is prevented: edit cannot bind at all; a namespace admin binds view but not cluster-admin', async () => {
  await bind('eve-edit', A, 'edit', 'eve');
  await bind('ada-admin', A, 'admin', 'ada');
  const eve = as(await identity('eve'));
  const ada = as(await identity('ada'));
  await waitFor(async () => ((await ada('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${A}/rolebindings`)).status === 200 ? true : undefined), { what: 'admin to be aggregated', timeoutMs: 15_000 });
  const grab = (name: string, role: string, user: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: A }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }] });
  const byEve = await eve('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${A}/rolebindings`, grab('eve-admin', 'cluster-admin', 'eve'));
  assert.equal(byEve.status, 403);
  assert.match(byEve.message, /^rolebindings\.rbac\.authorization\.k8s\.io is forbidden: User "eve" cannot create resource "rolebindings" in API group "rbac\.authorization\.k8s\.io" in the namespace "rbac-a"$/);
  const byAda = await ada('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${A}/rolebindings`, grab('ada-root', 'cluster-admin', 'ada'));
  assert.equal(byAda.status, 403);
  assert.match(byAda.message, /^rolebindings\.rbac\.authorization\.k8s\.io "ada-root" is forbidden: user "ada" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
  assert.equal((await ada('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${A}/rolebindings`, grab('bob-view', 'view', 'bob'))).status, 201, 'view is within what ada holds');
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'nodes', namespace: A }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] };
  assert.equal((await ada('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${A}/roles`, role)).status, 403, 'a Role with rules ada does not hold');
  const bad = await c.fetch(`${c.api.url}/apis/rbac.authorization.k8s.io/v1/clusterroles`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'bad' }, rules: [{ verbs: [], nonResourceURLs: ['/x'], resources: ['pods'] }] }) });
  assert.equal(bad.status, 422);
  const text = await bad.text();
  assert.match(text, /rules\[0\]\.verbs: Required value: verbs must contain at least one value/);
  assert.match(text, /rules\[0\]\.nonResourceURLs: Invalid value: .*rules can apply to API resources or non-resource URLs, but not both/);
});

test("a kubelet's certificate reads only the Secrets of pods on its node, changes only its own Node and its own pods' status (each other one a 403)", async () => {
  for (const n of ['rn-1', 'rn-2']) await c.rest.create<Node>(R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
  await c.rest.create<Secret>(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: A }, stringData: { password: 'x' } });
  const p = pod(A, 'uses-db');
  await c.rest.create<Pod>(R.pods, { ...p, spec: { nodeName: 'rn-1', containers: [{ name: 'c', image: 'busybox:1.35', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] } } as Pod);
  const n1 = as(await identity('system:node:rn-1', ['system:nodes']));
  const n2 = as(await identity('system:node:rn-2', ['system:nodes']));
  await waitFor(async () => ((await n1('GET', `/api/v1/namespaces/${A}/secrets/db`)).status === 200 ? true : undefined), { what: 'rn-1 to read its pod\'s Secret', timeoutMs: 10_000 });
  const other = await n2('GET', `/api/v1/namespaces/${A}/secrets/db`);
  assert.equal(other.status, 403);
  assert.equal(other.message, `secrets "db" is forbidden: User "system:node:rn-2" cannot get resource "secrets" in API group "" in the namespace "${A}": no relationship found between node 'rn-2' and this object`);
  assert.equal((await n1('GET', `/api/v1/namespaces/${A}/secrets`)).status, 403, 'no listing Secrets');

  const patchNode = await n2('PATCH', '/api/v1/nodes/rn-1', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
  assert.equal(patchNode.status, 403);
  assert.equal(patchNode.message, 'nodes "rn-1" is forbidden: node "rn-2" is not allowed to modify node "rn-1"');
  assert.equal((await n1('PATCH', '/api/v1/nodes/rn-1', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json')).status, 200);
  const restricted = await n1('PATCH', '/api/v1/nodes/rn-1', { metadata: { labels: { 'node-restriction.kubernetes.io/pool': 'secure' } } }, 'application/merge-patch+json');
  assert.equal(restricted.status, 403);
  assert.match(restricted.message, /node "rn-1" is not allowed to modify labels: node-restriction\.kubernetes\.io\/pool/);

  const status = { status: { conditions: [{ type: 'Ready', status: 'False' }] } };
  const otherStatus = await n2('PATCH', `/api/v1/namespaces/${A}/pods/uses-db/status`, status, 'application/merge-patch+json');
  assert.equal(otherStatus.status, 403);
  assert.equal(otherStatus.message, 'pods "uses-db" is forbidden: node "rn-2" can only update pod status for pods with spec.nodeName set to itself');
  assert.equal((await n1('PATCH', `/api/v1/namespaces/${A}/pods/uses-db/status`, status, 'application/merge-patch+json')).status, 200);
  assert.equal((await n1('POST', `/api/v1/namespaces/${A}/pods`, pod(A, 'sneaky'))).status, 403, 'a node creates no pods');
});

test('impersonation: the admin acts as alice (kubectl --as), alice may not act as anyone', async () => {
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', c.kubeconfig, ...args]).then((r) => r.stdout.trim(), (e: { stdout?: string; stderr?: string; code?: number }) => `${(e.stdout ?? '').trim()}${(e.stderr ?? '').trim()} (exit ${e.code})`);
  assert.equal(await kubectl('auth', 'can-i', 'list', 'pods', '-n', A, '--as', 'alice'), 'yes');
  assert.equal(await kubectl('auth', 'can-i', 'create', 'pods', '-n', A, '--as', 'alice'), 'no (exit 1)');
  assert.match(await kubectl('auth', 'whoami', '--as', 'carol', '--as-group', 'team'), /Username\s+carol[\s\S]*Groups\s+\[team system:authenticated\]/);
  assert.match(await kubectl('get', 'secrets', '-n', A, '--as', 'alice'), /secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "rbac-a"/);
  const alice = tlsFetch(await identity('alice', ['dev']));
  const res = await alice(`${c.api.url}/api/v1/namespaces/${A}/pods`, { headers: { 'Impersonate-User': 'bob' } });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { message: string }).message, 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
});
