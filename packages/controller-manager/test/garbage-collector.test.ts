import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, type Deployment, type KubeObject, type OwnerReference, type Pod, type ReplicaSet, type ResourceInfo } from '@tinykube/api';
import { startOnFake, until } from './fake-cluster';

const NS = 'default';

const ref = (kind: string, name: string, uid: string, block = true): OwnerReference => ({ apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1', kind, name, uid, controller: true, blockOwnerDeletion: block });

function tree(): [ResourceInfo, KubeObject][] {
  const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS, uid: 'd-uid' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } } };
  const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: NS, uid: 'rs-uid', ownerReferences: [ref('Deployment', 'web', 'd-uid')] }, spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } } };
  // Unbound pods: their deletion is immediate, no kubelet to wait for.
  const pod = (n: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: NS, uid: `${n}-uid`, ownerReferences: [ref('ReplicaSet', 'web-1', 'rs-uid')] }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  return [
    [R.deployments, d],
    [R.replicasets, rs],
    [R.pods, pod('p1')],
    [R.pods, pod('p2')],
  ];
}

test('GC, Background: deleting the owner deletes its dependents, and theirs', async () => {
  const c = await startOnFake(['garbage-collector'], tree());
  try {
    await c.api.delete(R.deployments, NS, 'web', { propagationPolicy: 'Background' });
    await until('everything gone', () => c.api.all(R.replicasets, NS).length === 0 && c.api.all(R.pods, NS).length === 0);
  } finally {
    await c.stop();
  }
});

test('GC, Foreground: the owner stays, marked, until its blocking dependents are gone, bottom up', async () => {
  const c = await startOnFake(['garbage-collector'], tree());
  try {
    await c.api.delete(R.deployments, NS, 'web', { propagationPolicy: 'Foreground' });
    const d = c.api.find<Deployment>(R.deployments, NS, 'web')!;
    assert.ok(d.metadata.deletionTimestamp);
    assert.deepEqual(d.metadata.finalizers, ['foregroundDeletion']);
    await until('deployment gone', () => !c.api.find(R.deployments, NS, 'web'));
    assert.equal(c.api.all(R.replicasets, NS).length + c.api.all(R.pods, NS).length, 0);
    // Pods went before their ReplicaSet, the ReplicaSet before the Deployment.
    const gone = c.api.actions.filter((a) => a.verb === 'delete' || a.verb === 'update').map((a) => `${a.verb} ${a.resource}/${a.name}`);
    const last = (s: string): number => gone.lastIndexOf(s);
    assert.ok(last('update replicasets.apps/web-1') > Math.max(last('delete pods/p1'), last('delete pods/p2')), gone.join(', '));
    assert.ok(last('update deployments.apps/web') > last('update replicasets.apps/web-1'), gone.join(', '));
  } finally {
    await c.stop();
  }
});

test('GC, Orphan: the dependents stay, with the reference to the deleted owner removed', async () => {
  const c = await startOnFake(['garbage-collector'], tree());
  try {
    await c.api.delete(R.replicasets, NS, 'web-1', { propagationPolicy: 'Orphan' });
    await until('replicaset gone', () => !c.api.find(R.replicasets, NS, 'web-1'));
    for (const n of ['p1', 'p2']) {
      const p = c.api.find<Pod>(R.pods, NS, n);
      assert.ok(p, `${n} kept`);
      assert.equal(p.metadata.ownerReferences, undefined, `${n} has no owner reference left`);
    }
    assert.ok(c.api.find(R.deployments, NS, 'web'), 'the owner above is untouched');
  } finally {
    await c.stop();
  }
});

test('GC: a dependent with one owner left is kept, without the reference to the one gone', async () => {
  const seed = tree();
  const shared: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shared', namespace: NS, uid: 'shared-uid', ownerReferences: [ref('ReplicaSet', 'web-1', 'rs-uid'), { ...ref('Deployment', 'web', 'd-uid'), controller: false }] }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  const c = await startOnFake(['garbage-collector'], [...seed, [R.pods, shared]]);
  try {
    await c.api.delete(R.replicasets, NS, 'web-1', { propagationPolicy: 'Background' });
    await until('p1 and p2 collected', () => !c.api.find(R.pods, NS, 'p1') && !c.api.find(R.pods, NS, 'p2'));
    await until('the dead reference dropped', () => c.api.find<Pod>(R.pods, NS, 'shared')?.metadata.ownerReferences?.length === 1);
    assert.equal(c.api.find<Pod>(R.pods, NS, 'shared')?.metadata.ownerReferences?.[0]?.uid, 'd-uid');
  } finally {
    await c.stop();
  }
});
