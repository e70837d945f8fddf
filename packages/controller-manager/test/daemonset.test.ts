import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, timestamp, type DaemonSet, type Node, type Pod } from '@tinykube/api';
import type { FakeApiClient } from '@tinykube/client';
import { REVISION_LABEL } from '../src/controller-revisions';
import { nodeShouldRunDaemonPod, targetNode } from '../src/controllers/daemonset';
import { podsOf, startOnFake, until } from './fake-cluster';

const NS = 'kube-system';

function node(name: string, o: { taints?: NonNullable<Node['spec']>['taints']; labels?: Record<string, string> } = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } }, spec: { ...(o.taints ? { taints: o.taints } : {}) }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
}

function daemonSet(o: { tolerations?: Pod['spec']['tolerations']; nodeSelector?: Record<string, string>; maxSurge?: number; maxUnavailable?: number } = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: NS, uid: 'ds-uid', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], ...(o.tolerations ? { tolerations: o.tolerations } : {}), ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}) } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: o.maxUnavailable ?? 1, maxSurge: o.maxSurge ?? 0 } },
    },
  };
}

const ds = (api: FakeApiClient): DaemonSet => api.find<DaemonSet>(R.daemonsets, NS, 'agent')!;
const byNode = (api: FakeApiClient): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const p of podsOf(api, NS)) out[targetNode(p)!] = (out[targetNode(p)!] ?? 0) + 1;
  return out;
};

/** The scheduler and kubelets: bind each pod to the node its affinity names and make it Ready; finish deletions. */
async function kubelets(api: FakeApiClient): Promise<void> {
  for (const p of api.all<Pod>(R.pods, NS)) {
    if (p.metadata.deletionTimestamp) {
      await api.delete(R.pods, NS, p.metadata.name, { gracePeriodSeconds: 0 });
      continue;
    }
    if (!p.spec.nodeName) await api.bind(NS, p.metadata.name!, targetNode(p)!);
    if (p.status?.phase !== 'Running') await api.patch(R.pods, NS, p.metadata.name!, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: timestamp() }] } }, true);
  }
}

const TAINT = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const };

test('DaemonSet eligibility: selectors, NoSchedule taints (not for pods already there), NoExecute taints, and the daemon tolerations', () => {
  const plain = daemonSet();
  assert.deepEqual(nodeShouldRunDaemonPod(node('a'), plain), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', { taints: [TAINT] }), plain), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', { taints: [{ key: 'evict', effect: 'NoExecute' }] }), plain), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', { taints: [TAINT] }), daemonSet({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] })).shouldRun, true);
  // A cordoned, a not-ready and an unreachable node keep their daemon pods.
  for (const key of ['node.kubernetes.io/unschedulable', 'node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'])
    assert.equal(nodeShouldRunDaemonPod(node('a', { taints: [{ key, effect: key.endsWith('unschedulable') ? 'NoSchedule' : 'NoExecute' }] }), plain).shouldRun, true, key);
  assert.equal(nodeShouldRunDaemonPod(node('a'), daemonSet({ nodeSelector: { disk: 'ssd' } })).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(node('a', { labels: { disk: 'ssd' } }), daemonSet({ nodeSelector: { disk: 'ssd' } })).shouldRun, true);
});

test('DaemonSet: one pod per eligible node, each for the scheduler with a node affinity naming its node; a new node gets one, a tainted node none', async () => {
  const c = await startOnFake(['daemonset'], [[R.nodes, node('node-1')], [R.nodes, node('node-2')], [R.nodes, node('node-3', { taints: [TAINT] })], [R.daemonsets, daemonSet()]]);
  try {
    await until('two pods', () => Object.keys(byNode(c.api)).length === 2);
    assert.deepEqual(byNode(c.api), { 'node-1': 1, 'node-2': 1 });
    const p = podsOf(c.api, NS)[0]!;
    assert.equal(p.spec.nodeName, undefined);
    assert.ok(p.spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
    assert.ok(p.metadata.labels?.[REVISION_LABEL]);
    await kubelets(c.api);
    await until('status', () => ds(c.api).status?.numberReady === 2 && ds(c.api).status?.desiredNumberScheduled === 2);
    await c.api.create(R.nodes, node('node-4'));
    await until('a pod on node-4', () => byNode(c.api)['node-4'] === 1);
    assert.deepEqual(byNode(c.api), { 'node-1': 1, 'node-2': 1, 'node-4': 1 });
    // A failed pod is deleted and replaced.
    const failed = podsOf(c.api, NS).find((x) => targetNode(x) === 'node-1')!;
    await c.api.patch(R.pods, NS, failed.metadata.name!, 'merge', { status: { phase: 'Failed' } }, true);
    await until('the failed pod deleted', () => !podsOf(c.api, NS).some((x) => x.metadata.name === failed.metadata.name));
    await until('a new pod on node-1', () => byNode(c.api)['node-1'] === 1);
    // Tolerating the taint brings a pod to node-3.
    await c.api.patch(R.daemonsets, NS, 'agent', 'merge', { spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } } } });
    await until('a pod on node-3', () => byNode(c.api)['node-3'] === 1);
  } finally {
    await c.stop();
  }
});

test('DaemonSet RollingUpdate: with maxUnavailable 1 one node at a time; with maxSurge 1 the new pod starts beside the old; rollback reuses the old revision', async () => {
  const c = await startOnFake(['daemonset'], [[R.nodes, node('node-1')], [R.nodes, node('node-2')], [R.nodes, node('node-3')], [R.daemonsets, daemonSet()]]);
  try {
    await until('three pods', () => podsOf(c.api, NS).length === 3);
    await kubelets(c.api);
    await until('three ready', () => ds(c.api).status?.numberAvailable === 3);
    const oldHash = podsOf(c.api, NS)[0]!.metadata.labels![REVISION_LABEL];
    await c.api.patch(R.daemonsets, NS, 'agent', 'merge', { metadata: { generation: 2 }, spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:2' }] } } } });
    let maxDown = 0;
    for (let round = 0; round < 50; round++) {
      const live = podsOf(c.api, NS);
      maxDown = Math.max(maxDown, 3 - live.filter((p) => p.status?.phase === 'Running').length);
      if (live.length === 3 && live.every((p) => p.spec.containers[0]!.image === 'agent:2' && p.status?.phase === 'Running')) break;
      await new Promise((r) => setTimeout(r, 30));
      await kubelets(c.api);
    }
    assert.ok(podsOf(c.api, NS).every((p) => p.spec.containers[0]!.image === 'agent:2'));
    assert.equal(maxDown, 1, 'one node at a time');
    await until('updated 3', () => ds(c.api).status?.updatedNumberScheduled === 3);
    // Back to the first template: its revision comes back, renumbered as the newest.
    await c.api.patch(R.daemonsets, NS, 'agent', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:1' }] } }, updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } } });
    let maxPods = 0;
    for (let round = 0; round < 80; round++) {
      const live = podsOf(c.api, NS);
      maxPods = Math.max(maxPods, live.length);
      if (live.length === 3 && live.every((p) => p.metadata.labels?.[REVISION_LABEL] === oldHash && p.status?.phase === 'Running')) break;
      await new Promise((r) => setTimeout(r, 30));
      await kubelets(c.api);
    }
    assert.ok(podsOf(c.api, NS).every((p) => p.metadata.labels?.[REVISION_LABEL] === oldHash), JSON.stringify(podsOf(c.api, NS).map((p) => [p.metadata.name, p.metadata.labels?.[REVISION_LABEL], p.spec.containers[0]?.image, p.status?.phase, oldHash])));
    assert.equal(maxPods, 4, 'one surge pod at a time');
    const revisions = c.api.all<{ metadata: { name: string }; revision: number } & Pod>(R.controllerrevisions, NS);
    assert.equal(revisions.length, 2);
    assert.equal(revisions.find((r) => r.metadata.name === `agent-${oldHash}`)?.revision, 3);
  } finally {
    await c.stop();
  }
});
