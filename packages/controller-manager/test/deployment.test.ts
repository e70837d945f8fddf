import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, controllerOf, getCondition, isPodReady, type Deployment, type ReplicaSet } from '@tinykube/api';
import type { FakeApiClient } from '@tinykube/client';
import { actAsKubelet, podsOf, startOnFake, until } from './fake-cluster';

const NS = 'default';
const REVISION = 'deployment.kubernetes.io/revision';

function deployment(image: string, replicas = 4, maxSurge: number | string = 1, maxUnavailable: number | string = 1): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

const sets = (api: FakeApiClient): ReplicaSet[] => api.all<ReplicaSet>(R.replicasets, NS);
const imageOf = (rs: ReplicaSet): string | undefined => rs.spec.template.spec.containers[0]?.image;
const dep = (api: FakeApiClient): Deployment => api.find<Deployment>(R.deployments, NS, 'web')!;

async function setImage(api: FakeApiClient, image: string): Promise<void> {
  const d = dep(api);
  await api.update(R.deployments, { ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [{ name: 'c', image }] } } } });
}

/**
 * Plays the kubelet until the ReplicaSet of `image` has every replica available and the others
 * none, checking Kubernetes' two bounds at every step: ReplicaSets' replicas sum to at most
 * replicas + maxSurge, and (from a ready start, unless `first`) at least replicas -
 * maxUnavailable pods are ready.
 */
async function rollOut(api: FakeApiClient, image: string, replicas: number, surge: number, unavailable: number, first = false): Promise<number> {
  let steps = 0;
  await until(
    `a finished rollout to ${image}`,
    () => {
      const all = sets(api);
      const total = all.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
      assert.ok(total <= replicas + surge, `step ${steps}: ${total} replicas exceed ${replicas} + maxSurge ${surge}`);
      const ready = podsOf(api, NS).filter(isPodReady).length;
      assert.ok(first || ready >= replicas - unavailable, `step ${steps}: ${ready} ready pods, fewer than ${replicas} - maxUnavailable ${unavailable}`);
      const done = all.every((rs) => (imageOf(rs) === image ? rs.status?.availableReplicas === replicas && rs.spec.replicas === replicas : rs.spec.replicas === 0 && !rs.status?.replicas));
      if (done && dep(api).status?.updatedReplicas === replicas) return true;
      steps++;
      void actAsKubelet(api, NS);
      return false;
    },
    10_000,
  );
  return steps;
}

test('Deployment: a rolling update keeps within maxSurge and maxUnavailable at every step, to one new ReplicaSet', async () => {
  const c = await startOnFake(['deployment', 'replicaset'], [[R.deployments, deployment('nginx:1')]]);
  try {
    await rollOut(c.api, 'nginx:1', 4, 1, 1, true);
    assert.equal(sets(c.api).length, 1);
    assert.equal(dep(c.api).metadata.annotations?.[REVISION], '1');
    await setImage(c.api, 'nginx:2');
    const steps = await rollOut(c.api, 'nginx:2', 4, 1, 1);
    assert.ok(steps > 1, 'the rollout took several steps');
    assert.equal(sets(c.api).length, 2, 'the old ReplicaSet is kept at 0 for history');
    assert.equal(dep(c.api).metadata.annotations?.[REVISION], '2');
    const d = await until('complete', () => {
      const x = dep(c.api);
      return getCondition(x.status?.conditions, 'Progressing')?.reason === 'NewReplicaSetAvailable' && x;
    });
    assert.deepEqual([d.status?.replicas, d.status?.updatedReplicas, d.status?.availableReplicas, d.status?.unavailableReplicas], [4, 4, 4, 0]);
    for (const p of podsOf(c.api, NS)) assert.equal(imageOf(sets(c.api).find((rs) => rs.metadata.uid === controllerOf(p)?.uid)!), 'nginx:2');
  } finally {
    await c.stop();
  }
});

test('Deployment: percentages round as Kubernetes (surge up, unavailable down), with maxUnavailable 0', async () => {
  // 25% of 3: surge rounds up to 1, unavailable down to 0 — never fewer than 3 ready.
  const c = await startOnFake(['deployment', 'replicaset'], [[R.deployments, deployment('nginx:1', 3, '25%', '25%')]]);
  try {
    await rollOut(c.api, 'nginx:1', 3, 1, 0, true);
    await setImage(c.api, 'nginx:2');
    await rollOut(c.api, 'nginx:2', 3, 1, 0);
  } finally {
    await c.stop();
  }
});

test('Deployment: undo to the previous template scales the old ReplicaSet back up as the newest revision, with no third ReplicaSet', async () => {
  const c = await startOnFake(['deployment', 'replicaset'], [[R.deployments, deployment('nginx:1', 2)]]);
  try {
    await rollOut(c.api, 'nginx:1', 2, 1, 1, true);
    const first = sets(c.api)[0]!;
    await setImage(c.api, 'nginx:2');
    await rollOut(c.api, 'nginx:2', 2, 1, 1);
    await setImage(c.api, 'nginx:1');
    await rollOut(c.api, 'nginx:1', 2, 1, 1);
    assert.equal(sets(c.api).length, 2);
    const back = c.api.find<ReplicaSet>(R.replicasets, NS, first.metadata.name!)!;
    assert.equal(back.metadata.uid, first.metadata.uid, 'the same ReplicaSet came back');
    assert.equal(back.metadata.annotations?.[REVISION], '3');
    await until('revision 3', () => dep(c.api).metadata.annotations?.[REVISION] === '3');
  } finally {
    await c.stop();
  }
});

test('Deployment: paused, a template change starts no rollout (but scaling still applies); resumed, it rolls out', async () => {
  const c = await startOnFake(['deployment', 'replicaset'], [[R.deployments, deployment('nginx:1', 2)]]);
  try {
    await rollOut(c.api, 'nginx:1', 2, 1, 1, true);
    let d = dep(c.api);
    await c.api.update(R.deployments, { ...d, spec: { ...d.spec, paused: true } });
    await setImage(c.api, 'nginx:2');
    d = dep(c.api);
    await c.api.update(R.deployments, { ...d, spec: { ...d.spec, replicas: 3 } });
    const gen = dep(c.api).metadata.generation;
    await until('the paused change observed', () => {
      const x = dep(c.api);
      return x.status?.observedGeneration === gen && getCondition(x.status?.conditions, 'Progressing')?.reason === 'DeploymentPaused';
    });
    await until('scaled to 3 on the old template', () => sets(c.api).length === 1 && sets(c.api)[0]?.spec.replicas === 3);
    assert.equal(imageOf(sets(c.api)[0]!), 'nginx:1');
    d = dep(c.api);
    await c.api.update(R.deployments, { ...d, spec: { ...d.spec, paused: false } });
    await rollOut(c.api, 'nginx:2', 3, 1, 1);
  } finally {
    await c.stop();
  }
});

test('Deployment: Recreate scales the old pods to zero and waits for them to be gone before starting new ones', async () => {
  const recreate = deployment('nginx:1', 2);
  recreate.spec.strategy = { type: 'Recreate' };
  const c = await startOnFake(['deployment', 'replicaset'], [[R.deployments, recreate]]);
  try {
    await rollOut(c.api, 'nginx:1', 2, 0, 0, true);
    await setImage(c.api, 'nginx:2');
    await until('old scaled to 0', () => sets(c.api).find((rs) => imageOf(rs) === 'nginx:1')?.spec.replicas === 0);
    // The old pods are still terminating (the kubelet has not finished): no new pod yet.
    await until('old pods terminating', () => c.api.all(R.pods, NS).every((p) => p.metadata.deletionTimestamp));
    assert.ok(!sets(c.api).some((rs) => imageOf(rs) === 'nginx:2' && (rs.spec.replicas ?? 0) > 0));
    await rollOut(c.api, 'nginx:2', 2, 0, 2);
  } finally {
    await c.stop();
  }
});
