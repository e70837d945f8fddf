import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, type Endpoints, type Pod, type Service } from '@tinykube/api';
import { TRIGGER_TIME_ANNOTATION } from '../src/controllers/endpoints';
import { startOnFake, until } from './fake-cluster';

const NS = 'default';

function pod(name: string, ip: string, ready: boolean, app = 'web'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app } },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const svc = (name: string, selector?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS, labels: { tier: 'front' } },
  spec: { ...(selector ? { selector } : {}), ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
});

test('Endpoints: ready pods in addresses, unready in notReadyAddresses, named target ports resolved; follows readiness; no write when nothing changed', async () => {
  const c = await startOnFake(['endpoints'], [
    [R.services, svc('web', { app: 'web' })],
    [R.pods, pod('a', '10.244.1.2', true)],
    [R.pods, pod('b', '10.244.1.3', false)],
    [R.pods, pod('other', '10.244.1.4', true, 'db')],
  ]);
  const ep = (): Endpoints | undefined => c.api.find<Endpoints>(R.endpoints, NS, 'web');
  try {
    const e = await until('endpoints', () => ep());
    assert.deepEqual(e.subsets?.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip), s.ports]), [[['10.244.1.2'], ['10.244.1.3'], [{ name: 'web', port: 8080, protocol: 'TCP' }]]]);
    assert.equal(e.subsets?.[0]?.addresses?.[0]?.targetRef?.name, 'a');
    assert.deepEqual(e.metadata.labels, { tier: 'front' });
    assert.ok(e.metadata.annotations?.[TRIGGER_TIME_ANNOTATION]);

    await c.api.patch(R.pods, NS, 'b', 'merge', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, true);
    await until('b ready', () => ep()?.subsets?.[0]?.addresses?.length === 2 && !ep()?.subsets?.[0]?.notReadyAddresses);

    // A change that does not touch the endpoints (another app's pod) writes nothing.
    const writes = c.api.count('update', R.endpoints) + c.api.count('create', R.endpoints);
    await c.api.patch(R.pods, NS, 'other', 'merge', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, true);
    await c.api.patch(R.pods, NS, 'a', 'merge', { metadata: { annotations: { note: 'x' } } });
    // Deleting a pod is a change; once that is written, the two before it were seen too.
    await c.api.delete(R.pods, NS, 'b', { gracePeriodSeconds: 0 });
    await until('b gone', () => ep()?.subsets?.[0]?.addresses?.length === 1);
    assert.equal(c.api.count('update', R.endpoints) + c.api.count('create', R.endpoints), writes + 1);
  } finally {
    await c.stop();
  }
});

test('Endpoints: a Service without a selector keeps the Endpoints written by hand; a deleted Service loses its Endpoints', async () => {
  const manual: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external', namespace: NS }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80 }] }] };
  const c = await startOnFake(['endpoints'], [
    [R.services, svc('external')],
    [R.endpoints, manual],
    [R.services, svc('web', { app: 'web' })],
    [R.pods, pod('a', '10.244.1.2', true)],
  ]);
  try {
    await until('web endpoints', () => c.api.find<Endpoints>(R.endpoints, NS, 'web'));
    await c.api.delete(R.services, NS, 'web');
    await until('web endpoints deleted', () => !c.api.find<Endpoints>(R.endpoints, NS, 'web'));
    assert.deepEqual(c.api.find<Endpoints>(R.endpoints, NS, 'external')?.subsets, manual.subsets);
    assert.equal(c.api.actions.filter((a) => a.resource === 'endpoints' && a.name === 'external').length, 0);
  } finally {
    await c.stop();
  }
});
