import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, SERVICE_NAME_LABEL, timestamp, type EndpointSlice, type Endpoints, type Pod, type Service } from '@tinykube/api';
import { desiredEndpoints, planSlices } from '../src/controllers/endpointslice';
import { startOnFake, until } from './fake-cluster';

const NS = 'default';
const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS, uid: 'svc-uid' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };

function pod(i: number, o: { ready?: boolean; deleting?: boolean; port?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${i}`, namespace: NS, uid: `uid-${i}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: timestamp() } : {}) },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }] },
    status: { phase: 'Running', podIP: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

test('endpoints carry ready / serving / terminating; named target ports resolve per pod and split the slices', () => {
  const groups = desiredEndpoints(svc, [pod(0), pod(1, { ready: false }), pod(2, { deleting: true }), pod(3, { port: 9090 })], () => 'zone-a');
  assert.equal(groups.length, 2);
  const main = groups.find((g) => g.ports[0]!.port === 8080)!;
  assert.deepEqual(main.endpoints.map((e) => [e.addresses[0], e.conditions]), [
    ['10.1.0.1', { ready: true, serving: true, terminating: false }],
    ['10.1.0.2', { ready: false, serving: false, terminating: false }],
    ['10.1.0.3', { ready: false, serving: true, terminating: true }],
  ]);
  assert.equal(main.endpoints[0]!.zone, 'zone-a');
  assert.deepEqual(main.endpoints[0]!.targetRef, { kind: 'Pod', namespace: NS, name: 'web-0', uid: 'uid-0' });
});

test('250 endpoints make 3 slices; removing one rewrites only its slice; a new one fills the slice with room', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(i));
  const first = planSlices(desiredEndpoints(svc, pods), []);
  assert.deepEqual(first.create.map((c) => c.endpoints.length), [100, 100, 50]);
  const existing: EndpointSlice[] = first.create.map((c, i) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `web-${'abc'[i]}`, namespace: NS, uid: `s${i}` }, addressType: 'IPv4', ports: c.ports, endpoints: c.endpoints }));
  const gone = first.create[1]!.endpoints[7]!.targetRef!.name!;
  const minus = planSlices(desiredEndpoints(svc, pods.filter((p) => p.metadata.name !== gone)), existing);
  assert.deepEqual([minus.create.length, minus.delete.length, minus.update.map((u) => [u.slice.metadata.name, u.endpoints.length])], [0, 0, [['web-b', 99]]]);
  const plus = planSlices(desiredEndpoints(svc, [...pods, pod(250)]), existing);
  assert.deepEqual([plus.create.length, plus.update.map((u) => [u.slice.metadata.name, u.endpoints.length])], [0, [['web-c', 51]]]);
  // No pods: Kubernetes' placeholder, one slice with no ports and no endpoints, and the others go.
  const none = planSlices(desiredEndpoints(svc, []), existing);
  assert.deepEqual([none.delete.length, none.update.length, none.create], [3, 0, [{ ports: [], endpoints: [] }]]);
  const placeholder: EndpointSlice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-p', namespace: NS }, addressType: 'IPv4', ports: [], endpoints: [] };
  assert.deepEqual(planSlices([], [placeholder]), { create: [], update: [], delete: [] }, 'the placeholder is kept as it is');
});

test('EndpointSlice controller over the fake API: slices labelled with their Service, owned by it, each written once per change', async () => {
  const c = await startOnFake(['endpointslice'], [[R.services, svc], ...Array.from({ length: 150 }, (_, i) => [R.pods, pod(i)] as [typeof R.pods, Pod])]);
  try {
    const slices = (): EndpointSlice[] => c.api.all<EndpointSlice>(R.endpointslices, NS);
    await until('two slices', () => slices().length === 2 && slices().reduce((n, s) => n + (s.endpoints?.length ?? 0), 0) === 150);
    for (const s of slices()) {
      assert.equal(s.metadata.labels?.[SERVICE_NAME_LABEL], 'web');
      assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
      assert.equal(s.metadata.ownerReferences?.[0]?.uid, 'svc-uid');
      assert.match(s.metadata.name!, /^web-/);
    }
    assert.equal(c.api.count('create', R.endpointslices), 2, 'no slice made twice');
    await c.api.delete(R.pods, NS, 'web-3', { gracePeriodSeconds: 0 });
    await until('one endpoint fewer', () => slices().reduce((n, s) => n + (s.endpoints?.length ?? 0), 0) === 149);
    assert.equal(c.api.count('create', R.endpointslices), 2);
  } finally {
    await c.stop();
  }
});

test('Endpoints written by hand for a Service without a selector are mirrored into slices owned by them; skip-mirror and a selector stop it', async () => {
  const bare: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: NS, uid: 'db-uid' }, spec: { ports: [{ port: 5432 }] } };
  const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: NS, uid: 'ep-uid' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ port: 5432, protocol: 'TCP' }] }] };
  const c = await startOnFake(['endpointslicemirroring'], [[R.services, bare], [R.endpoints, ep]]);
  try {
    const slices = (): EndpointSlice[] => c.api.all<EndpointSlice>(R.endpointslices, NS);
    const [s] = await until('a mirrored slice', () => (slices().length === 1 ? slices() : undefined));
    assert.equal(s!.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.equal(s!.metadata.ownerReferences?.[0]?.uid, 'ep-uid');
    assert.deepEqual(s!.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready]), [['192.0.2.10', true], ['192.0.2.11', false]]);
    assert.deepEqual(s!.ports, [{ name: '', port: 5432, protocol: 'TCP' }]);
    await c.api.patch(R.endpoints, NS, 'db', 'merge', { metadata: { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } });
    await until('the mirror gone', () => slices().length === 0);
  } finally {
    await c.stop();
  }
});
