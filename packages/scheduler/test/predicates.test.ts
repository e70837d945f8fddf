import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tolerates, type Node, type PersistentVolumeClaim, type Pod } from '@tinykube/api';
import { fits, score, SELECTED_NODE_ANNOTATION, unschedulableMessage, type NodeSnapshot } from '../src';

function node(name: string, o: { cpu?: string; memory?: string; ready?: boolean; labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints']; unschedulable?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: { cpu: o.cpu ?? '2', memory: o.memory ?? '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

function pod(o: { cpu?: string; memory?: string; nodeSelector?: Record<string, string>; owner?: string; hostPort?: number; claim?: string; tolerations?: Pod['spec']['tolerations'] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'd', ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: o.owner, controller: true }] } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'i', resources: { requests: { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) } }, ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort }] } : {}) }],
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.claim ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: o.claim } }] } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
    },
  };
}

const noClaims = new Map<string, PersistentVolumeClaim>();

test('filters give Kubernetes\' reasons', () => {
  const s = (n: Node, pods: Pod[] = []): NodeSnapshot => ({ node: n, pods });
  assert.equal(fits(pod({ memory: '8Gi' }), s(node('a')), noClaims), 'Insufficient memory');
  assert.equal(fits(pod({ cpu: '1500m' }), s(node('a'), [pod({ cpu: '1' })]), noClaims), 'Insufficient cpu');
  assert.equal(fits(pod({ cpu: '1' }), s(node('a'), [pod({ cpu: '1' })]), noClaims), undefined);
  assert.equal(fits(pod({ nodeSelector: { disk: 'ssd' } }), s(node('a')), noClaims), "node(s) didn't match Pod's node affinity/selector");
  assert.equal(fits(pod({ nodeSelector: { disk: 'ssd' } }), s(node('a', { labels: { disk: 'ssd' } })), noClaims), undefined);
  assert.equal(fits(pod(), s(node('a', { ready: false })), noClaims), 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }');
  assert.equal(fits(pod(), s(node('a', { unschedulable: true })), noClaims), 'node(s) were unschedulable');
  const daemon = pod();
  daemon.spec.tolerations = [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }];
  assert.equal(fits(daemon, s(node('a', { unschedulable: true })), noClaims), undefined);
  assert.equal(fits(pod(), s(node('a', { taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] })), noClaims), 'node(s) had untolerated taint {gpu: yes}');
  assert.equal(fits(pod({ tolerations: [{ key: 'gpu', operator: 'Exists' }] }), s(node('a', { taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] })), noClaims), undefined);
  assert.equal(fits(pod({ hostPort: 8080 }), s(node('a'), [pod({ hostPort: 8080 })]), noClaims), "node(s) didn't have free ports for the requested pod ports");
  const claim: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-0', namespace: 'd', annotations: { [SELECTED_NODE_ANNOTATION]: 'b' } }, spec: {} };
  const claims = new Map([['d/data-0', claim]]);
  assert.equal(fits(pod({ claim: 'data-0' }), s(node('a')), claims), 'node(s) had volume node affinity conflict');
  assert.equal(fits(pod({ claim: 'data-0' }), s(node('b')), claims), undefined);
});

test('tolerations match taints as Kubernetes does', () => {
  assert.equal(tolerates({ operator: 'Exists' }, { key: 'x', effect: 'NoExecute' }), true);
  assert.equal(tolerates({ key: 'x', operator: 'Equal', value: 'a' }, { key: 'x', value: 'b', effect: 'NoSchedule' }), false);
  assert.equal(tolerates({ key: 'x', effect: 'NoExecute' }, { key: 'x', effect: 'NoSchedule' }), false);
});

test('the unschedulable message counts reasons per node', () => {
  assert.equal(unschedulableMessage(3, ['Insufficient memory', 'Insufficient memory', 'Insufficient memory']), '0/3 nodes are available: 3 Insufficient memory.');
  assert.equal(unschedulableMessage(3, ['node(s) were unschedulable', 'Insufficient cpu', 'Insufficient cpu']), '0/3 nodes are available: 2 Insufficient cpu, 1 node(s) were unschedulable.');
});

test('scores prefer emptier nodes and spread one owner\'s pods', () => {
  const empty: NodeSnapshot = { node: node('a'), pods: [] };
  const busy: NodeSnapshot = { node: node('b'), pods: [pod({ cpu: '1500m', memory: '3Gi' })] };
  const p = pod({ cpu: '100m' });
  assert.ok(score(p, empty, { onNode: 0, max: 0 }) > score(p, busy, { onNode: 0, max: 0 }));
  assert.ok(score(p, empty, { onNode: 0, max: 2 }) > score(p, empty, { onNode: 2, max: 2 }));
});
