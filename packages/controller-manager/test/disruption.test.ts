import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, timestamp, type Deployment, type Pod, type PodDisruptionBudget } from '@tinykube/api';
import { computeBudget } from '../src/controllers/disruption';
import { actAsKubelet, startOnFake, until } from './fake-cluster';

const NS = 'default';

function pdb(spec: Partial<PodDisruptionBudget['spec']>, status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: NS, generation: 1 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, ...(status ? { status } : {}) };
}

function pod(name: string, ready: boolean, o: { deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: timestamp() } : {}) },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const scale = (replicas: number) => (): { uid: string; replicas: number } => ({ uid: 'd', replicas });

test('disruption arithmetic: integer minAvailable counts the pods that exist, percentages and maxUnavailable the replicas wanted', () => {
  const pods = [pod('a', true), pod('b', true), pod('c', true)];
  assert.deepEqual(computeBudget(pdb({ minAvailable: 2 }), pods, scale(5)), { expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1, disruptedPods: {} });
  // 50% of 5 wanted rounds up to 3; maxUnavailable 25% of 5 rounds up to 2, so 3 must stay.
  assert.equal(computeBudget(pdb({ minAvailable: '50%' }), pods, scale(5)).desiredHealthy, 3);
  assert.deepEqual(computeBudget(pdb({ maxUnavailable: '25%' }), pods, scale(5)), { expectedPods: 5, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0, disruptedPods: {} });
  // Unready and deleting pods are not healthy; a pod the eviction let go is not either, for two minutes.
  const now = Date.now();
  const evicted = pdb({ minAvailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptedPods: { a: new Date(now - 1000).toISOString(), gone: new Date(now).toISOString() } });
  const b = computeBudget(evicted, [pod('a', true), pod('b', false), pod('c', true, { deleting: true }), pod('d', true)], scale(4), now);
  assert.equal(b.currentHealthy, 1);
  assert.deepEqual(Object.keys(b.disruptedPods), ['a'], 'a pod no longer there leaves disruptedPods');
  assert.ok(b.recheckMs! > 118_000 && b.recheckMs! <= 119_050, 'recounted when the entry expires');
  const expired = computeBudget(evicted, [pod('a', true)], scale(1), now + 121_000);
  assert.deepEqual(expired.disruptedPods, {});
  assert.equal(expired.currentHealthy, 1);
  // Never negative.
  assert.equal(computeBudget(pdb({ minAvailable: 3 }), [pod('a', true)], scale(3)).disruptionsAllowed, 0);
});

test('disruption controller: status follows the Deployment pods; a pod with no controller makes the percentage budget refuse every disruption', async () => {
  const dep: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  const c = await startOnFake(['replicaset', 'deployment', 'disruption'], [
    [R.deployments, dep],
    [R.pdbs, pdb({ maxUnavailable: 1 })],
  ]);
  try {
    const status = (): PodDisruptionBudget['status'] => c.api.find<PodDisruptionBudget>(R.pdbs, NS, 'web')?.status;
    await until('three pods', () => c.api.all<Pod>(R.pods, NS).length === 3);
    await actAsKubelet(c.api, NS);
    await until('one disruption allowed', () => status()?.disruptionsAllowed === 1 && status()?.currentHealthy === 3);
    assert.deepEqual({ ...status(), conditions: undefined }, { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: undefined });
    assert.equal(status()?.conditions?.find((x) => x.type === 'DisruptionAllowed')?.reason, 'SufficientPods');
    // One pod becomes unready: none may go now.
    const first = c.api.all<Pod>(R.pods, NS)[0]!;
    await c.api.patch(R.pods, NS, first.metadata.name!, 'merge', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, true);
    await until('no disruption allowed', () => status()?.disruptionsAllowed === 0 && status()?.conditions?.find((x) => x.type === 'DisruptionAllowed')?.reason === 'InsufficientPods');
    // A bare pod under a maxUnavailable budget: the controller cannot know its scale.
    await c.api.create(R.pods, pod('bare', true));
    await until('SyncFailed', () => status()?.conditions?.find((x) => x.type === 'DisruptionAllowed')?.reason === 'SyncFailed');
    assert.equal(status()?.disruptionsAllowed, 0);
  } finally {
    await c.stop();
  }
});
