import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, getCondition, isPodReady, timestamp, type KubeObject, type Lease, type Node, type Pod, type ResourceInfo } from '@tinykube/api';
import type { FakeApiClient } from '@tinykube/client';
import { NOT_READY, UNREACHABLE } from '../src/controllers/node-lifecycle';
import { startOnFake, until } from './fake-cluster';

const GRACE_MS = 400;
const FAST = { nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: 50 };

const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
const lease = (name: string): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: timestamp() } });
const pod = (name: string, nodeName: string, tolerationSeconds?: number): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'x' }], ...(tolerationSeconds === undefined ? {} : { tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds }] }) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

function cluster(names: string[], pods: Pod[]): [ResourceInfo, KubeObject][] {
  return [...names.flatMap((n): [ResourceInfo, KubeObject][] => [[R.nodes, node(n)], [R.leases, lease(n)]]), ...pods.map((p): [ResourceInfo, KubeObject] => [R.pods, p])];
}

/** The kubelets of `names` renew their leases and, marked otherwise, report Ready again, as ours do. */
function renewing(api: FakeApiClient, names: () => string[]): NodeJS.Timeout {
  return setInterval(() => {
    for (const n of names()) {
      void api.patch(R.leases, 'kube-node-lease', n, 'merge', { spec: { renewTime: new Date().toISOString() } }).catch(() => undefined);
      if (ready(api, n) === 'Unknown') void api.patch(R.nodes, undefined, n, 'merge', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, true).catch(() => undefined);
    }
  }, 50);
}

const ready = (api: FakeApiClient, n: string): string | undefined => getCondition(api.find<Node>(R.nodes, undefined, n)?.status?.conditions, 'Ready')?.status;
const taints = (api: FakeApiClient, n: string): string[] => (api.find<Node>(R.nodes, undefined, n)?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

test('node lifecycle: a node whose lease stops is Unknown and tainted unreachable, its pods not Ready, the intolerant evicted; renewed and Ready, the taints go', async () => {
  let alive = ['node-1', 'node-2', 'node-3'];
  const c = await startOnFake(['node-lifecycle'], cluster(alive, [pod('intolerant', 'node-1'), pod('patient', 'node-1', 3600), pod('elsewhere', 'node-2')]), FAST);
  const timer = renewing(c.api, () => alive);
  try {
    alive = ['node-2', 'node-3'];
    await until('node-1 Unknown', () => ready(c.api, 'node-1') === 'Unknown');
    assert.equal(getCondition(c.api.find<Node>(R.nodes, undefined, 'node-1')?.status?.conditions, 'Ready')?.reason, 'NodeStatusUnknown');
    await until('both taints', () => taints(c.api, 'node-1').join() === `${UNREACHABLE}:NoExecute,${UNREACHABLE}:NoSchedule`);
    await until('pods of node-1 not Ready', () => !isPodReady(c.api.find<Pod>(R.pods, 'default', 'patient')!));
    await until('the intolerant pod evicted', () => c.api.find<Pod>(R.pods, 'default', 'intolerant')?.metadata.deletionTimestamp);
    assert.ok(!c.api.find<Pod>(R.pods, 'default', 'patient')?.metadata.deletionTimestamp, 'a pod tolerating for an hour stays');
    assert.ok(isPodReady(c.api.find<Pod>(R.pods, 'default', 'elsewhere')!), 'a pod on a healthy node is untouched');
    assert.deepEqual([ready(c.api, 'node-2'), ready(c.api, 'node-3')], ['True', 'True']);
    assert.deepEqual(taints(c.api, 'node-2'), []);

    // The kubelet is back: it renews and reports Ready.
    alive = ['node-1', 'node-2', 'node-3'];
    await until('taints lifted', () => taints(c.api, 'node-1').length === 0);
  } finally {
    clearInterval(timer);
    await c.stop();
  }
});

test('node lifecycle: a node reporting Ready=False is tainted not-ready, not unreachable', async () => {
  const alive = ['node-1', 'node-2'];
  const c = await startOnFake(['node-lifecycle'], cluster(alive, []), FAST);
  const timer = renewing(c.api, () => alive);
  try {
    await c.api.patch(R.nodes, undefined, 'node-1', 'merge', { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] } }, true);
    await until('not-ready taints', () => taints(c.api, 'node-1').join() === `${NOT_READY}:NoExecute,${NOT_READY}:NoSchedule`);
  } finally {
    clearInterval(timer);
    await c.stop();
  }
});

test('node lifecycle: when every node goes silent at once, nodes are marked Unknown but nothing is evicted (the control plane is the likely fault)', async () => {
  const c = await startOnFake(['node-lifecycle'], cluster(['node-1', 'node-2'], [pod('p', 'node-1')]), FAST);
  try {
    await until('both Unknown', () => ready(c.api, 'node-1') === 'Unknown' && ready(c.api, 'node-2') === 'Unknown');
    await until('NoSchedule taints', () => taints(c.api, 'node-1').join() === `${UNREACHABLE}:NoSchedule` && taints(c.api, 'node-2').join() === `${UNREACHABLE}:NoSchedule`);
    // Several monitor passes later still no NoExecute taint and no eviction.
    const passes = c.api.actions.length;
    await until('more passes', () => {
      void c.api.patch(R.nodes, undefined, 'node-2', 'merge', { metadata: { annotations: { poke: String(Date.now()) } } });
      return c.api.actions.length > passes + 10;
    });
    assert.deepEqual(taints(c.api, 'node-1'), [`${UNREACHABLE}:NoSchedule`]);
    assert.ok(!c.api.find<Pod>(R.pods, 'default', 'p')?.metadata.deletionTimestamp);
  } finally {
    await c.stop();
  }
});
