// Pod garbage collection against a real apiserver and etcd, with the real controllers in
// process: pods of a node that was deleted are force-deleted (so their namespace can finish
// deleting), and terminated pods above the threshold go oldest first (by name within one second).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry as Metrics } from 'prom-client';
import { R, type Namespace, type Node, type Pod } from '@tinykube/api';
import { DEFAULT_DISRUPTION, startControllers, type RunningControllers } from '@tinykube/controller-manager';
import { startTestApi, waitFor, type TestCluster } from '../helpers';

let c: TestCluster;
let controllers: RunningControllers;
before(async () => {
  c = await startTestApi();
  controllers = await startControllers(
    c.grpc,
    {
      clusterCidr: '10.244.0.0/16',
      nodeCidrMaskSize: 24,
      nodeMonitorGracePeriodMs: 40_000,
      disruption: DEFAULT_DISRUPTION,
      podGc: { terminatedThreshold: 3, periodMs: 300, quarantineMs: 1000 },
      workers: 2,
    },
    pino({ level: 'silent' }),
    new Metrics(),
    ['podgc', 'namespace'],
  );
});
after(async () => {
  await controllers?.stop();
  await c?.stop();
});

const pod = (ns: string, name: string, nodeName?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox:1.35' }] },
});

test('pods of a deleted node are collected, and their terminating namespace goes', async () => {
  await c.grpc.create<Node>(R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'ghost' }, spec: {} });
  await c.grpc.create<Namespace>(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'haunted' } });
  for (const n of ['a', 'b']) await c.grpc.create(R.pods, pod('haunted', n, 'ghost'));
  // No kubelet confirms a graceful deletion on a node that is gone: the pods stay Terminating.
  await c.grpc.delete(R.pods, 'haunted', 'a');
  await c.grpc.delete(R.nodes, undefined, 'ghost');
  await c.grpc.delete(R.namespaces, undefined, 'haunted');
  const stuck = await c.grpc.get<Pod>(R.pods, 'haunted', 'a');
  assert.ok(stuck.metadata.deletionTimestamp);
  await waitFor(async () => (await c.rest.list(R.pods, 'haunted')).items.length === 0, { timeoutMs: 20_000, what: 'the ghost node\'s pods to be collected' });
  await waitFor(async () => !(await c.rest.list<Namespace>(R.namespaces)).items.some((n) => n.metadata.name === 'haunted'), { timeoutMs: 20_000, what: 'the namespace to go' });
});

test('a pod whose node exists is left alone, and terminated pods above the threshold go oldest first (by name within one second)', async () => {
  await c.grpc.create<Node>(R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'alive' }, spec: {} });
  await c.grpc.create(R.pods, pod('default', 'kept', 'alive'));
  for (let i = 0; i < 5; i++) {
    const p = await c.grpc.create<Pod>(R.pods, pod('default', `done-${i}`, 'alive'));
    await c.grpc.updateStatus<Pod>(R.pods, { ...p, status: { phase: 'Succeeded' } });
  }
  await waitFor(async () => (await c.rest.list<Pod>(R.pods, 'default')).items.filter((p) => p.metadata.name.startsWith('done-')).length === 3, { timeoutMs: 20_000, what: 'two terminated pods collected' });
  const left = (await c.rest.list<Pod>(R.pods, 'default')).items.map((p) => p.metadata.name).sort();
  assert.deepEqual(left, ['done-2', 'done-3', 'done-4', 'kept']);
});
