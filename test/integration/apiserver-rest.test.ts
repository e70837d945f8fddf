// The REST front door over a real etcd: storage semantics, subresources, deletion, bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, R, type Deployment, type KubeObject, type Pod, type PodDisruptionBudget, type Service } from '@tinykube/api';
import { startTestApi, type TestCluster } from '../helpers';
import type { TlsResponse } from '@tinykube/client';

let c: TestCluster;
before(async () => {
  c = await startTestApi();
});
after(async () => {
  await c?.stop();
});

/** The Deployment example from the Kubernetes documentation. */
const nginxDeployment = (): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } },
  },
});

async function etcdRevision(): Promise<string> {
  return c.api.registry.store.currentRevision();
}

async function expectStatus(p: Promise<unknown>, code: number, re?: RegExp): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected HTTP ${code}`);
}

test('the documentation Deployment is stored and read back with defaults filled', async () => {
  const created = await c.rest.create(R.deployments, nginxDeployment());
  assert.ok(created.metadata.uid);
  assert.equal(created.metadata.generation, 1);
  const got = await c.rest.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.deepEqual(got.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(got.spec.revisionHistoryLimit, 10);
  assert.equal(got.spec.progressDeadlineSeconds, 600);
  assert.equal(got.spec.template.spec.restartPolicy, 'Always');
  assert.equal(got.spec.template.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
  // The key layout is Kubernetes' own.
  const raw = await c.api.registry.store.get('/registry/deployments/default/nginx-deployment');
  assert.equal(raw?.rv, created.metadata.resourceVersion);
  await expectStatus(c.rest.create(R.deployments, nginxDeployment()), 409, /already exists/);
});

test('concurrent updates of one object: exactly one wins, the others get 409', async () => {
  const base = await c.rest.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => c.rest.update(R.deployments, { ...base, spec: { ...base.spec, replicas: 10 + i } })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled');
  const conflicts = results.filter((r) => r.status === 'rejected' && (r.reason as ApiError).code === 409);
  assert.equal(ok.length, 1);
  assert.equal(conflicts.length, 7);
  const after = await c.rest.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  assert.equal(after.metadata.generation, 2);
});

test('status goes only through the status subresource; generation moves only with spec', async () => {
  const d = await c.rest.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  const withStatus = await c.rest.update(R.deployments, { ...d, status: { replicas: 99 } });
  assert.equal(withStatus.status?.replicas, undefined);
  const st = await c.rest.updateStatus(R.deployments, { ...withStatus, status: { replicas: 2, observedGeneration: 2 } });
  assert.equal(st.status?.replicas, 2);
  assert.equal(st.metadata.generation, d.metadata.generation);
  const labelled = await c.rest.patch<Deployment>(R.deployments, 'default', 'nginx-deployment', 'merge', { metadata: { labels: { tier: 'web' } } });
  assert.equal(labelled.metadata.generation, d.metadata.generation);
  const scaled = await c.rest.patch<Deployment>(R.deployments, 'default', 'nginx-deployment', 'strategic', { spec: { replicas: 4 } });
  assert.equal(scaled.metadata.generation, (d.metadata.generation ?? 0) + 1);
  assert.equal(scaled.status?.replicas, 2);
  const scale = await c.rest.request<{ spec: { replicas: number }; status: { selector: string } }>('GET', '/apis/apps/v1/namespaces/default/deployments/nginx-deployment/scale');
  assert.equal(scale.spec.replicas, 4);
  assert.equal(scale.status.selector, 'app=nginx');
});

test('strategic merge patch merges containers by name', async () => {
  const out = await c.rest.patch<Deployment>(R.deployments, 'default', 'nginx-deployment', 'strategic', {
    spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1' }] } } },
  });
  const cs = out.spec.template.spec.containers;
  assert.equal(cs.length, 1);
  assert.equal(cs[0]!.image, 'nginx:1.16.1');
  assert.deepEqual(cs[0]!.ports, [{ containerPort: 80, protocol: 'TCP' }]);
});

test('bad input is rejected with a Status naming the problem, and etcd is unchanged', async () => {
  const before = await etcdRevision();
  const post = (body: string, type = 'application/json', path = '/api/v1/namespaces/default/pods') =>
    c.fetch(`${c.api.url}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body });
  const cases: [Promise<TlsResponse>, number, RegExp][] = [
    [post('{"metadata": '), 400, /error decoding/],
    [post('metadata: [unclosed', 'application/yaml'), 400, /YAML/],
    [post('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a;b"},"spec":{"containers":[{"name":"c","image":"busybox:1.35"}]}}'), 422, /metadata\.name: Invalid value: "a;b"/],
    [post('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"UPPER case"},"spec":{"containers":[{"name":"c","image":"busybox:1.35"}]}}'), 422, /metadata\.name/],
    [post('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ok"},"spec":{"containers":[]}}'), 422, /spec\.containers: Required value/],
    [post('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ok"},"spec":{"containers":[{"name":"c"}]}}'), 422, /spec\.containers\[0\]\.image: Required value/],
    [post('{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{}}'), 400, /does not match the expected kind/],
    [post('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","annotations":{"a":"' + 'x'.repeat(4 * 1024 * 1024) + '"}}}'), 413, /too large/],
    [post('{}', 'application/json', '/api/v1/namespaces/default/widgets'), 404, /could not find/],
    [post('[1,2]'), 400, /must be a JSON or YAML object/],
    [post('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i:1"}]}}', 'application/json', '/api/v1/namespaces/nope/pods'), 404, /namespaces "nope" not found/],
  ];
  for (const [p, code, re] of cases) {
    const res = await p;
    const body = (await res.json()) as { kind: string; code: number; message: string };
    assert.equal(res.status, code, body.message);
    assert.equal(body.kind, 'Status');
    assert.equal(body.code, code);
    assert.match(body.message, re);
  }
  assert.equal(await etcdRevision(), before, 'nothing may be written to etcd');
  // ... and the server keeps serving.
  assert.equal((await c.anonymous(`${c.api.url}/healthz`)).status, 200);
});

test('Service ClusterIPs: allocated from the range, never twice even under concurrent creates; headless and NodePort', async () => {
  const mk = (i: number): Service => ({ metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } });
  const created = await Promise.all(Array.from({ length: 20 }, (_, i) => c.rest.create(R.services, mk(i))));
  const ips = created.map((s) => s.spec.clusterIP!);
  assert.equal(new Set(ips).size, 20);
  for (const ip of ips) assert.match(ip, /^10\.96\.\d+\.\d+$/);
  // Asking for a taken IP is a 422 naming the field.
  await expectStatus(c.rest.create(R.services, { ...mk(99), spec: { ...mk(99).spec, clusterIP: ips[0] } }), 422, /spec\.clusterIPs.*already allocated/);
  // Concurrent creates asking for the same IP: exactly one gets it.
  const want = '10.96.200.200';
  const race = await Promise.allSettled([0, 1, 2, 3].map((i) => c.rest.create(R.services, { ...mk(100 + i), spec: { ...mk(100 + i).spec, clusterIP: want } })));
  assert.equal(race.filter((r) => r.status === 'fulfilled').length, 1);
  const headless = await c.rest.create(R.services, { metadata: { name: 'headless', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80 }] } });
  assert.equal(headless.spec.clusterIP, 'None');
  const np = await c.rest.create<Service>(R.services, { metadata: { name: 'np', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] } });
  const port = np.spec.ports![0]!.nodePort!;
  assert.ok(port >= 30000 && port <= 32767);
  // Deleting frees the IP and the port, and an update keeps them.
  const upd = await c.rest.update<Service>(R.services, { ...np, spec: { ...np.spec, clusterIP: undefined, ports: [{ port: 80 }] } });
  assert.equal(upd.spec.clusterIP, np.spec.clusterIP);
  assert.equal(upd.spec.ports![0]!.nodePort, port);
  await c.rest.delete(R.services, 'default', 'svc-0');
  const again = await c.rest.create(R.services, { ...mk(200), spec: { ...mk(200).spec, clusterIP: ips[0] } });
  assert.equal(again.spec.clusterIP, ips[0]);
});

test('pods are deleted gracefully once bound; finalizers hold deletion until removed', async () => {
  const p: Pod = { metadata: { name: 'graceful', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox:1.35' }] } };
  const created = await c.rest.create(R.pods, p);
  assert.equal(created.status?.phase, 'Pending');
  await c.rest.bind('default', 'graceful', 'node-1');
  const bound = await c.rest.get<Pod>(R.pods, 'default', 'graceful');
  assert.equal(bound.spec.nodeName, 'node-1');
  await expectStatus(c.rest.bind('default', 'graceful', 'node-2'), 409, /already assigned/);
  const deleting = await c.rest.delete(R.pods, 'default', 'graceful');
  assert.ok(deleting.metadata.deletionTimestamp);
  assert.equal(deleting.metadata.deletionGracePeriodSeconds, 30);
  await c.rest.get(R.pods, 'default', 'graceful');
  // The kubelet confirms with grace 0: gone.
  await c.rest.delete(R.pods, 'default', 'graceful', { gracePeriodSeconds: 0 });
  await expectStatus(c.rest.get(R.pods, 'default', 'graceful'), 404);

  const f: KubeObject = { metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } };
  await c.rest.create(R.replicasets, f);
  const marked = await c.rest.delete(R.replicasets, 'default', 'held');
  assert.ok(marked.metadata.deletionTimestamp);
  const cur = await c.rest.get(R.replicasets, 'default', 'held');
  await c.rest.update(R.replicasets, { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
  await expectStatus(c.rest.get(R.replicasets, 'default', 'held'), 404);
});

test('lists filter by label and field selectors and carry a resourceVersion', async () => {
  for (const [name, node] of [['sel-a', 'n1'], ['sel-b', 'n2']] as const) {
    await c.rest.create(R.pods, { metadata: { name, namespace: 'default', labels: { group: 'sel', name } }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox:1.35' }] } });
  }
  const byLabel = await c.rest.list(R.pods, 'default', { labelSelector: 'group=sel,name in (sel-b)' });
  assert.deepEqual(byLabel.items.map((p) => p.metadata.name), ['sel-b']);
  const byField = await c.rest.list(R.pods, undefined, { fieldSelector: 'spec.nodeName=n1' });
  assert.deepEqual(byField.items.map((p) => p.metadata.name), ['sel-a']);
  assert.ok(Number(byField.resourceVersion) > 0);
  await expectStatus(c.rest.list(R.pods, 'default', { fieldSelector: 'spec.image=x' }), 400, /field label not supported/);
});

test('discovery and /version answer as Kubernetes does', async () => {
  const v = await c.rest.request<{ major: string; minor: string }>('GET', '/version');
  assert.equal(v.major, '1');
  assert.ok(Number(v.minor) >= 27 && Number(v.minor) <= 33);
  const core = await c.rest.request<{ resources: { name: string }[] }>('GET', '/api/v1');
  for (const n of ['pods', 'pods/status', 'pods/binding', 'services', 'nodes', 'endpoints', 'events', 'namespaces', 'persistentvolumeclaims']) assert.ok(core.resources.some((r) => r.name === n), n);
  const apps = await c.rest.request<{ resources: { name: string }[] }>('GET', '/apis/apps/v1');
  for (const n of ['deployments', 'deployments/scale', 'replicasets', 'statefulsets', 'controllerrevisions']) assert.ok(apps.resources.some((r) => r.name === n), n);
  const table = await c.rest.request<{ kind: string; columnDefinitions: { name: string }[] }>('GET', '/apis/apps/v1/namespaces/default/deployments', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.equal(table.kind, 'Table');
  assert.deepEqual(table.columnDefinitions.slice(0, 5).map((c) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
});

test('JSON patch applies operations; a failing test operation is a 422 and changes nothing', async () => {
  const before = await c.rest.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  const out = await c.rest.patch<Deployment>(R.deployments, 'default', 'nginx-deployment', 'json', [{ op: 'replace', path: '/spec/replicas', value: 7 }]);
  assert.equal(out.spec.replicas, 7);
  await expectStatus(c.rest.patch(R.deployments, 'default', 'nginx-deployment', 'json', [{ op: 'test', path: '/spec/replicas', value: 1 }]), 422);
  const after = await c.rest.get<Deployment>(R.deployments, 'default', 'nginx-deployment');
  assert.equal(after.metadata.resourceVersion, out.metadata.resourceVersion);
  assert.notEqual(after.metadata.resourceVersion, before.metadata.resourceVersion);
});

test('deletecollection removes what the selector matches and nothing else', async () => {
  for (const [name, tier] of [['dc-1', 'gone'], ['dc-2', 'gone'], ['dc-3', 'kept']] as const) {
    await c.rest.create(R.endpoints, { metadata: { name, namespace: 'default', labels: { tier } } });
  }
  await c.rest.request('DELETE', '/api/v1/namespaces/default/endpoints?labelSelector=tier%3Dgone');
  const left = await c.rest.list(R.endpoints, 'default', { labelSelector: 'tier' });
  assert.deepEqual(left.items.map((e) => e.metadata.name), ['dc-3']);
});

test('a Table watch (kubectl get -w) sends column definitions once, then rows', async () => {
  const list = await c.rest.list(R.services, 'default');
  const ac = new AbortController();
  const res = await c.fetch(`${c.api.url}/api/v1/namespaces/default/services?watch=true&resourceVersion=${list.resourceVersion}`, {
    headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    signal: ac.signal,
  });
  await c.rest.create(R.services, { metadata: { name: 'tw-1', namespace: 'default' }, spec: { ports: [{ port: 81 }] } });
  await c.rest.create(R.services, { metadata: { name: 'tw-2', namespace: 'default' }, spec: { ports: [{ port: 82 }] } });
  const lines: { type: string; object: { kind: string; columnDefinitions: unknown[]; rows: { cells: unknown[] }[] } }[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as (typeof lines)[number]);
    if (lines.length >= 2) break;
  }
  ac.abort();
  assert.deepEqual(lines.map((l) => [l.type, l.object.kind, l.object.rows[0]!.cells[0]]), [['ADDED', 'Table', 'tw-1'], ['ADDED', 'Table', 'tw-2']]);
  assert.ok(lines[0]!.object.columnDefinitions.length > 0);
  assert.equal(lines[1]!.object.columnDefinitions.length, 0);
});

test('server-side apply: applying a value another manager set shares its ownership, which is stored; timestamps alone are no change', async () => {
  const url = `${c.api.url}/apis/apps/v1/namespaces/default/deployments/ssa-shared`;
  const apply = async (manager: string, body: unknown): Promise<Deployment> => {
    const res = await c.fetch(`${url}?fieldManager=${manager}`, { method: 'PATCH', headers: { 'Content-Type': 'application/apply-patch+yaml' }, body: JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.status === 200 || res.status === 201, text);
    return JSON.parse(text) as Deployment;
  };
  const created = await apply('alice', { ...nginxDeployment(), metadata: { name: 'ssa-shared', namespace: 'default' } });
  const bobs = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-shared' }, spec: { replicas: 3 } };
  const shared = await apply('bob', bobs);
  assert.notEqual(shared.metadata.resourceVersion, created.metadata.resourceVersion);
  const stored = await c.rest.get<Deployment>(R.deployments, 'default', 'ssa-shared');
  assert.deepEqual(stored.metadata.managedFields?.map((m) => m.manager).sort(), ['alice', 'bob']);
  const again = await apply('bob', bobs);
  assert.equal(again.metadata.resourceVersion, shared.metadata.resourceVersion);
  await c.rest.delete(R.deployments, 'default', 'ssa-shared');
});

test('pods/eviction spends a PodDisruptionBudget: 201 while it allows, then 429 in Kubernetes words, and 429 with Retry-After while the budget is stale', async () => {
  const ns = 'default';
  for (const name of ['ev-1', 'ev-2']) {
    const p = await c.rest.create<Pod>(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: 'ev' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.35' }] } });
    await c.rest.updateStatus<Pod>(R.pods, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  const pdb = await c.rest.create<PodDisruptionBudget>(R.pdbs, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'ev', namespace: ns }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'ev' } } } });
  // What the disruption controller would write (it does not run here).
  await c.rest.updateStatus<PodDisruptionBudget>(R.pdbs, { ...pdb, status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 } });
  const evict = (name: string, body: unknown = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } }) =>
    c.fetch(`${c.api.url}/api/v1/namespaces/${ns}/pods/${name}/eviction`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  const first = await evict('ev-1');
  assert.equal(first.status, 201, await first.clone().text());
  assert.equal(((await first.json()) as { status: string }).status, 'Success');
  await expectStatus(c.rest.get(R.pods, ns, 'ev-1'), 404);
  const spent = await c.rest.get<PodDisruptionBudget>(R.pdbs, ns, 'ev');
  assert.equal(spent.status?.disruptionsAllowed, 0);
  assert.ok(spent.status?.disruptedPods?.['ev-1'], 'the evicted pod is recorded for the controller');

  const refused = await evict('ev-2');
  const body = (await refused.json()) as { code: number; reason: string; message: string; details: { causes: { reason: string; message: string }[] } };
  assert.equal(refused.status, 429);
  assert.equal(body.reason, 'TooManyRequests');
  assert.equal(body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(body.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget ev needs 1 healthy pods and has 2 currently' }]);
  await c.rest.get(R.pods, ns, 'ev-2');

  // A changed budget the controller has not seen yet: retry later, as kubectl drain does.
  await c.rest.patch(R.pdbs, ns, 'ev', 'merge', { spec: { minAvailable: 0 } });
  const stale = await evict('ev-2');
  assert.equal(stale.status, 429);
  assert.equal(stale.headers.get('retry-after'), '10');
  assert.match(((await stale.json()) as { details: { causes: { message: string }[] } }).details.causes[0]!.message, /The disruption budget ev is still being processed by the server/);

  // Bad input changes nothing.
  const before = await etcdRevision();
  assert.equal((await evict('ev-2', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } })).status, 400);
  assert.equal((await evict('ev-2', [1])).status, 400);
  assert.equal((await evict('missing')).status, 404);
  assert.equal(await etcdRevision(), before);
  await c.rest.delete(R.pods, ns, 'ev-2');
  await c.rest.delete(R.pdbs, ns, 'ev');
});
