import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, controllerOf, type Pod, type ReplicaSet, type ReplicationController } from '@tinykube/api';
import { actAsKubelet, podsOf, startOnFake, until } from './fake-cluster';

const NS = 'default';

function rs(replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

function orphan(name: string, labels: Record<string, string>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

test('ReplicaSet: creates the missing pods exactly once, counts them ready and available, then scales down the least ready first', async () => {
  const c = await startOnFake(['replicaset'], [[R.replicasets, rs(3)]]);
  try {
    const set = c.api.find<ReplicaSet>(R.replicasets, NS, 'web')!;
    await until('3 pods', () => podsOf(c.api, NS).length === 3);
    for (const p of podsOf(c.api, NS)) {
      assert.equal(controllerOf(p)?.uid, set.metadata.uid);
      assert.equal(p.metadata.generateName, 'web-');
    }
    await actAsKubelet(c.api, NS);
    await until('3 available', () => c.api.find<ReplicaSet>(R.replicasets, NS, 'web')?.status?.availableReplicas === 3);
    assert.equal(c.api.count('create', R.pods), 3, 'the status changes caused no second create');
    const st = c.api.find<ReplicaSet>(R.replicasets, NS, 'web')!.status!;
    assert.deepEqual([st.replicas, st.readyReplicas, st.fullyLabeledReplicas, st.observedGeneration], [3, 3, 3, 1]);

    // One pod stops being ready; scaling to 2 deletes that one.
    const sick = podsOf(c.api, NS)[1]!;
    await c.api.patch(R.pods, NS, sick.metadata.name!, 'merge', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, true);
    await until('2 ready', () => c.api.find<ReplicaSet>(R.replicasets, NS, 'web')?.status?.readyReplicas === 2);
    const cur = c.api.find<ReplicaSet>(R.replicasets, NS, 'web')!;
    await c.api.update(R.replicasets, { ...cur, spec: { ...cur.spec, replicas: 2 } });
    await until('2 pods', () => podsOf(c.api, NS).length === 2);
    assert.ok(!podsOf(c.api, NS).some((p) => p.metadata.name === sick.metadata.name), 'the unready pod went first');
    assert.equal(c.api.count('delete', R.pods), 1);
    await until('observedGeneration 2', () => c.api.find<ReplicaSet>(R.replicasets, NS, 'web')?.status?.observedGeneration === 2);
  } finally {
    await c.stop();
  }
});

test('ReplicaSet: adopts a matching orphan instead of creating, and releases a pod whose labels no longer match', async () => {
  const c = await startOnFake(['replicaset'], [
    [R.pods, orphan('stray', { app: 'web' })],
    [R.pods, orphan('other', { app: 'db' })],
    [R.replicasets, rs(2)],
  ]);
  try {
    await until('2 owned pods', () => podsOf(c.api, NS).filter((p) => controllerOf(p)).length === 2);
    assert.equal(c.api.count('create', R.pods), 1, 'one created, one adopted');
    assert.ok(controllerOf(c.api.find<Pod>(R.pods, NS, 'stray')!), 'the orphan was adopted');
    assert.equal(controllerOf(c.api.find<Pod>(R.pods, NS, 'other')!), undefined, 'a pod of another selector was left alone');

    const stray = c.api.find<Pod>(R.pods, NS, 'stray')!;
    await c.api.update(R.pods, { ...stray, metadata: { ...stray.metadata, labels: { app: 'debugging' } } });
    await until('stray released', () => controllerOf(c.api.find<Pod>(R.pods, NS, 'stray')!) === undefined);
    await until('a replacement', () => podsOf(c.api, NS).filter((p) => controllerOf(p)).length === 2);
    assert.equal(c.api.count('create', R.pods), 2);
  } finally {
    await c.stop();
  }
});

test('ReplicaSet: a failed create is retried and the count still ends exact', async () => {
  const c = await startOnFake(['replicaset']);
  let refusals = 2;
  c.api.beforeWrite = (a) => {
    if (a.verb === 'create' && a.resource === 'pods' && refusals-- > 0) throw new Error('etcd is slow');
  };
  try {
    await c.api.create(R.replicasets, rs(3));
    await until('3 pods', () => podsOf(c.api, NS).length === 3);
    await until('status 3', () => c.api.find<ReplicaSet>(R.replicasets, NS, 'web')?.status?.replicas === 3);
    assert.equal(podsOf(c.api, NS).length, 3);
  } finally {
    await c.stop();
  }
});

test('ReplicationController: the same guarantees with an equality selector; a ReplicaSet beside it with other labels keeps its own pods', async () => {
  const rc: ReplicationController = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'legacy', namespace: NS },
    spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  const c = await startOnFake(['replicaset', 'replicationcontroller'], [
    [R.pods, orphan('stray', { app: 'legacy' })],
    [R.replicationcontrollers, rc],
    [R.replicasets, rs(1)],
  ]);
  try {
    const owner = c.api.find<ReplicationController>(R.replicationcontrollers, NS, 'legacy')!;
    const ownedBy = (uid: string | undefined): Pod[] => podsOf(c.api, NS).filter((p) => controllerOf(p)?.uid === uid);
    await until('2 pods of the RC', () => ownedBy(owner.metadata.uid).length === 2);
    assert.equal(controllerOf(c.api.find<Pod>(R.pods, NS, 'stray')!)?.kind, 'ReplicationController', 'the orphan was adopted');
    await until('1 pod of the ReplicaSet', () => ownedBy(c.api.find<ReplicaSet>(R.replicasets, NS, 'web')!.metadata.uid).length === 1);
    await actAsKubelet(c.api, NS);
    await until('2 ready', () => c.api.find<ReplicationController>(R.replicationcontrollers, NS, 'legacy')?.status?.readyReplicas === 2);
    const st = c.api.find<ReplicationController>(R.replicationcontrollers, NS, 'legacy')!.status!;
    assert.equal(st.fullyLabeledReplicas, 1, 'only the created pod carries the template\'s tier label');
    const victim = ownedBy(owner.metadata.uid)[0]!;
    await c.api.delete(R.pods, NS, victim.metadata.name!);
    await until('a replacement', () => ownedBy(owner.metadata.uid).length === 2 && !ownedBy(owner.metadata.uid).some((p) => p.metadata.name === victim.metadata.name));
  } finally {
    await c.stop();
  }
});
