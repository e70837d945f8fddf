import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER, R, getCondition, type Job, type Pod } from '@tinykube/api';
import { formatIndexes, parseIndexes } from '../src/controllers/job';
import { podsOf, startOnFake, until, type FakeCluster } from './fake-cluster';

const NS = 'default';

function job(spec: Partial<Job['spec']>, name = 'work'): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: { parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', selector: { matchLabels: { job: name } }, manualSelector: true, template: { metadata: { labels: { job: name } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  };
}

/** Finishes every active pod of the namespace with this phase, as a kubelet would. */
async function finish(c: FakeCluster, phase: 'Succeeded' | 'Failed', only?: (p: Pod) => boolean): Promise<number> {
  const pods = podsOf(c.api, NS).filter((p) => !p.status?.phase?.match(/Succeeded|Failed/) && (!only || only(p)));
  for (const p of pods) await c.api.patch(R.pods, NS, p.metadata.name!, 'merge', { status: { phase } }, true);
  return pods.length;
}

const status = (c: FakeCluster, name = 'work'): Job['status'] => c.api.find<Job>(R.jobs, NS, name)?.status;

test('indexes format as Kubernetes writes completedIndexes', () => {
  assert.equal(formatIndexes([5, 0, 1, 2, 7, 4]), '0-2,4-5,7');
  assert.deepEqual([...parseIndexes('0-2,4-5,7')], [0, 1, 2, 4, 5, 7]);
});

test('Job: completions 3 with parallelism 2 never runs more than 2 pods, counts each success once through the tracking finalizer, and completes', async () => {
  const c = await startOnFake(['job'], [[R.jobs, job({ completions: 3, parallelism: 2 })]]);
  try {
    let most = 0;
    for (let done = 0; done < 3; ) {
      await until('a pod to run', () => podsOf(c.api, NS).some((p) => !p.status?.phase));
      const active = podsOf(c.api, NS).filter((p) => !p.status?.phase);
      most = Math.max(most, active.length);
      assert.ok(active.every((p) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)));
      done += await finish(c, 'Succeeded', (p) => p.metadata.name === active[0]!.metadata.name);
      await until(`${done} succeeded`, () => status(c)?.succeeded === done || getCondition(status(c)?.conditions, 'Complete'));
    }
    await until('Complete', () => getCondition(status(c)?.conditions, 'Complete')?.status === 'True');
    assert.ok(most <= 2, `at most 2 at once (saw ${most})`);
    assert.equal(status(c)!.succeeded, 3);
    assert.ok(status(c)!.completionTime);
    assert.equal(c.api.count('create', R.pods), 3, 'no pod created twice');
    await until('no finalizer left', () => podsOf(c.api, NS).every((p) => !p.metadata.finalizers?.length));
  } finally {
    await c.stop();
  }
});

test('Job: failures past backoffLimit fail it with BackoffLimitExceeded; an Indexed Job gives each pod its index', async () => {
  const c = await startOnFake(['job'], [
    [R.jobs, job({ backoffLimit: 0 }, 'fails')],
    [R.jobs, job({ completions: 3, parallelism: 3, completionMode: 'Indexed' }, 'indexed')],
  ]);
  try {
    await until('the failing pod', () => podsOf(c.api, NS).some((p) => p.metadata.labels?.job === 'fails'));
    await finish(c, 'Failed', (p) => p.metadata.labels?.job === 'fails');
    await until('Failed', () => getCondition(status(c, 'fails')?.conditions, 'Failed')?.reason === 'BackoffLimitExceeded');
    assert.equal(status(c, 'fails')!.failed, 1);

    await until('3 indexed pods', () => podsOf(c.api, NS).filter((p) => p.metadata.labels?.job === 'indexed').length === 3);
    const indexed = podsOf(c.api, NS).filter((p) => p.metadata.labels?.job === 'indexed');
    assert.deepEqual(indexed.map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX]).sort(), ['0', '1', '2']);
    for (const p of indexed) {
      const i = p.metadata.annotations![JOB_COMPLETION_INDEX]!;
      assert.equal(p.spec.hostname, `indexed-${i}`);
      assert.ok(p.metadata.name!.startsWith(`indexed-${i}-`));
      assert.ok(p.spec.containers[0]!.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
    }
    await finish(c, 'Succeeded', (p) => p.metadata.labels?.job === 'indexed');
    await until('indexed Complete', () => getCondition(status(c, 'indexed')?.conditions, 'Complete')?.status === 'True');
    assert.equal(status(c, 'indexed')!.completedIndexes, '0-2');
  } finally {
    await c.stop();
  }
});

test('podFailurePolicy: a pod disrupted (DisruptionTarget) is ignored and replaced without counting; exit code 42 fails the Job at once with Kubernetes\' message', async () => {
  const policy: Job['spec']['podFailurePolicy'] = {
    rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    ],
  };
  const c = await startOnFake(['job'], [[R.jobs, job({ backoffLimit: 0, podFailurePolicy: policy })]]);
  try {
    const first = await until('a pod', () => podsOf(c.api, NS)[0]);
    await c.api.patch(R.pods, NS, first.metadata.name!, 'merge', { status: { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] } }, true);
    const second = await until('a replacement', () => podsOf(c.api, NS).find((p) => p.metadata.name !== first.metadata.name && !p.status?.phase));
    assert.ok(!c.api.find<Pod>(R.pods, NS, first.metadata.name!)?.metadata.finalizers?.length, 'the ignored pod is let go');
    assert.equal(status(c)?.failed ?? 0, 0, 'an ignored failure is not counted (backoffLimit 0 would have failed the Job)');
    assert.equal(getCondition(status(c)?.conditions, 'Failed'), undefined);
    await c.api.patch(R.pods, NS, second.metadata.name!, 'merge', { status: { phase: 'Failed', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 42, reason: 'Error' } } }] } }, true);
    const failed = await until('Failed', () => getCondition(status(c)?.conditions, 'Failed'));
    assert.equal(failed.reason, 'PodFailurePolicy');
    assert.equal(failed.message, `Container c for pod ${NS}/${second.metadata.name} failed with exit code 42 matching FailJob rule at index 0`);
    assert.equal(status(c)?.failed, 1);
  } finally {
    await c.stop();
  }
});
