// The namespace, node IPAM and pod GC controllers' syncs, over the fake API.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, timestamp, type ClusterRole, type ConfigMap, type Namespace, type Node, type PolicyRule, type Pod } from '@tinykube/api';
import { aggregatedRules } from '../src/controllers/clusterrole-aggregation';
import { startOnFake, until } from './fake-cluster';

const pod = (name: string, ns: string, extra: Partial<Pod['spec']> = {}, phase?: string, created?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, ...(created ? { creationTimestamp: created } : {}) },
  spec: { containers: [{ name: 'c', image: 'x' }], ...extra },
  ...(phase ? { status: { phase: phase as 'Succeeded' } } : {}),
});

test('namespace: a terminating namespace has everything in it deleted, then its kubernetes finalizer removed; others are untouched', async () => {
  const doomed: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed', deletionTimestamp: timestamp() }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } };
  const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'doomed' }, data: { a: 'b' } };
  const c = await startOnFake(['namespace'], [
    [R.namespaces, doomed],
    [R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } }],
    [R.pods, pod('a', 'doomed')],
    [R.configmaps, cm],
    [R.pods, pod('b', 'kept')],
  ]);
  try {
    // With its last finalizer gone, the namespace being deleted goes (the fake does what the apiserver does).
    await until('namespace gone', () => !c.api.find<Namespace>(R.namespaces, undefined, 'doomed'), 10_000);
    const emptied = c.api.actions.findIndex((a) => a.verb === 'update' && a.resource === 'namespaces');
    const lastDelete = c.api.actions.map((a) => a.verb === 'delete' && a.namespace === 'doomed').lastIndexOf(true);
    assert.ok(emptied > lastDelete, 'the finalizer went only after the contents');
    assert.equal(c.api.all(R.pods, 'doomed').length + c.api.all(R.configmaps, 'doomed').length, 0);
    assert.equal(c.api.all(R.pods, 'kept').length, 1);
  } finally {
    await c.stop();
  }
});

test('node IPAM: every node gets the lowest free /24, never one another node holds, and keeps it', async () => {
  const node = (name: string, podCIDR?: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });
  const c = await startOnFake(['node-ipam'], [[R.nodes, node('has', '10.244.0.0/24')], [R.nodes, node('a')], [R.nodes, node('b')]]);
  try {
    await until('both assigned', () => c.api.all<Node>(R.nodes).every((n) => n.spec?.podCIDR));
    const cidrs = c.api.all<Node>(R.nodes).map((n) => n.spec?.podCIDR).sort();
    assert.deepEqual(cidrs, ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    assert.equal(c.api.find<Node>(R.nodes, undefined, 'has')?.spec?.podCIDR, '10.244.0.0/24');
    await c.api.create(R.nodes, node('late'));
    await until('late assigned', () => c.api.find<Node>(R.nodes, undefined, 'late')?.spec?.podCIDR === '10.244.3.0/24');
  } finally {
    await c.stop();
  }
});

test('pod GC: pods of a deleted node after the quarantine, unscheduled terminating pods, and the oldest terminated above the threshold', async () => {
  const c = await startOnFake(
    ['podgc'],
    [
      [R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'alive' } }],
      [R.pods, pod('on-alive', 'default', { nodeName: 'alive' })],
      [R.pods, pod('on-gone', 'default', { nodeName: 'gone' })],
      [R.pods, pod('done-1', 'default', { nodeName: 'alive' }, 'Succeeded', '2026-01-01T00:00:01Z')],
      [R.pods, pod('done-2', 'default', { nodeName: 'alive' }, 'Failed', '2026-01-01T00:00:02Z')],
      [R.pods, pod('done-3', 'default', { nodeName: 'alive' }, 'Succeeded', '2026-01-01T00:00:03Z')],
    ],
    { podGc: { terminatedThreshold: 2, periodMs: 50, quarantineMs: 200 } },
  );
  try {
    await until('the oldest terminated pod collected', () => !c.api.find(R.pods, 'default', 'done-1'));
    assert.ok(c.api.find(R.pods, 'default', 'done-2') && c.api.find(R.pods, 'default', 'done-3'), 'the two newest are kept');
    await until('the pod of the deleted node collected', () => !c.api.find(R.pods, 'default', 'on-gone'));
    assert.ok(c.api.find(R.pods, 'default', 'on-alive'));
    const stuck = await c.api.create(R.pods, { ...pod('never-scheduled', 'default'), metadata: { name: 'never-scheduled', namespace: 'default', finalizers: ['example.com/hold'] } });
    await c.api.delete(R.pods, 'default', stuck.metadata.name);
    // Ours was the first delete; the controller's force-delete (grace 0) is the second.
    await until('the unscheduled terminating pod force-deleted', () => c.api.actions.filter((a) => a.verb === 'delete' && a.name === 'never-scheduled').length >= 2);
  } finally {
    await c.stop();
  }
});

test('serviceaccount: every namespace gets a default ServiceAccount, again after it is deleted, none in a terminating namespace', async () => {
  const c = await startOnFake(['serviceaccount'], [
    [R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }],
    [R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving', deletionTimestamp: timestamp() }, status: { phase: 'Terminating' } }],
  ]);
  try {
    await until('default in team', () => c.api.find(R.serviceaccounts, 'team', 'default'));
    await c.api.delete(R.serviceaccounts, 'team', 'default');
    await until('default again', () => c.api.find(R.serviceaccounts, 'team', 'default'));
    await c.api.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'late' } });
    await until('default in late', () => c.api.find(R.serviceaccounts, 'late', 'default'));
    assert.equal(c.api.find(R.serviceaccounts, 'leaving', 'default'), undefined);
  } finally {
    await c.stop();
  }
});

test('root-ca-cert-publisher: kube-root-ca.crt with the cluster CA in every namespace, put back when edited', async () => {
  const c = await startOnFake(['root-ca-cert-publisher'], [[R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }]], { rootCa: 'PEM OF THE CA' });
  try {
    const cm = await until('the ConfigMap', () => c.api.find<ConfigMap>(R.configmaps, 'team', 'kube-root-ca.crt'));
    assert.deepEqual(cm.data, { 'ca.crt': 'PEM OF THE CA' });
    await c.api.update(R.configmaps, { ...cm, data: { 'ca.crt': 'tampered' } });
    await until('restored', () => c.api.find<ConfigMap>(R.configmaps, 'team', 'kube-root-ca.crt')?.data?.['ca.crt'] === 'PEM OF THE CA');
  } finally {
    await c.stop();
  }
});

test('clusterrole aggregation: the union of the rules of the roles any selector matches, once each', () => {
  const role = (name: string, labels: Record<string, string>, rules: PolicyRule[]): ClusterRole => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules });
  const view: ClusterRole = { ...role('view', {}, []), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] } };
  const pods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const svcs = { verbs: ['get'], apiGroups: [''], resources: ['services'] };
  const all = [view, role('b', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [svcs, pods]), role('a', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [pods]), role('c', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])];
  assert.deepEqual(aggregatedRules(view, all), [pods, svcs]);
});
