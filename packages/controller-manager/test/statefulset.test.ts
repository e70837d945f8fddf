import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, type PersistentVolumeClaim, type Pod, type StatefulSet } from '@tinykube/api';
import type { FakeApiClient } from '@tinykube/client';
import { REVISION_LABEL } from '../src/controllers/statefulset';
import { actAsKubelet, podsOf, startOnFake, until } from './fake-cluster';

const NS = 'default';

function statefulSet(replicas: number): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}

const names = (api: FakeApiClient): string[] => podsOf(api, NS).map((p) => p.metadata.name!).sort();
const set = (api: FakeApiClient): StatefulSet => api.find<StatefulSet>(R.statefulsets, NS, 'web')!;
const podActions = (api: FakeApiClient, verb: 'create' | 'delete'): string[] => api.actions.filter((a) => a.verb === verb && a.resource === 'pods').map((a) => a.name);

/** Makes just one pod Running and Ready, as its kubelet would. */
async function ready(api: FakeApiClient, name: string): Promise<void> {
  await api.bind(NS, name, 'node-1').catch(() => undefined);
  await api.patch(R.pods, NS, name, 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, true);
}

test('StatefulSet: pods are created in order, each only once the one before is Running and Ready, with a claim each', async () => {
  const c = await startOnFake(['statefulset'], [[R.statefulsets, statefulSet(3)]]);
  try {
    for (let i = 0; i < 3; i++) {
      await until(`web-${i}`, () => c.api.find<Pod>(R.pods, NS, `web-${i}`));
      // The controller has seen web-i and written its status: it goes no further until web-i is Ready.
      await until(`status of ${i + 1}`, () => set(c.api).status?.replicas === i + 1);
      assert.deepEqual(names(c.api), Array.from({ length: i + 1 }, (_, k) => `web-${k}`));
      await ready(c.api, `web-${i}`);
    }
    await until('3 ready', () => set(c.api).status?.readyReplicas === 3);
    assert.deepEqual(podActions(c.api, 'create'), ['web-0', 'web-1', 'web-2']);
    assert.deepEqual(c.api.all<PersistentVolumeClaim>(R.pvcs, NS).map((p) => p.metadata.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2']);
    const pod = c.api.find<Pod>(R.pods, NS, 'web-1')!;
    assert.equal(pod.spec.hostname, 'web-1');
    assert.equal(pod.spec.subdomain, 'web');
    assert.equal(pod.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-web-1');
  } finally {
    await c.stop();
  }
});

test('StatefulSet: scales down from the highest ordinal, one at a time, and keeps the claims', async () => {
  const c = await startOnFake(['statefulset'], [[R.statefulsets, statefulSet(3)]]);
  try {
    for (let i = 0; i < 3; i++) {
      await until(`web-${i}`, () => c.api.find<Pod>(R.pods, NS, `web-${i}`));
      await ready(c.api, `web-${i}`);
    }
    await until('3 ready', () => set(c.api).status?.readyReplicas === 3);
    await c.api.update(R.statefulsets, { ...set(c.api), spec: { ...set(c.api).spec, replicas: 1 } });
    await until('web-2 terminating', () => c.api.find<Pod>(R.pods, NS, 'web-2')?.metadata.deletionTimestamp);
    await until('status seen', () => set(c.api).status?.observedGeneration === 2);
    assert.ok(!c.api.find<Pod>(R.pods, NS, 'web-1')?.metadata.deletionTimestamp, 'web-1 waits while web-2 terminates');
    await actAsKubelet(c.api, NS);
    await until('web-1 terminating', () => c.api.find<Pod>(R.pods, NS, 'web-1')?.metadata.deletionTimestamp);
    await actAsKubelet(c.api, NS);
    await until('one pod', () => c.api.all(R.pods, NS).length === 1);
    assert.deepEqual([...new Set(podActions(c.api, 'delete'))], ['web-2', 'web-1']);
    assert.equal(c.api.all(R.pvcs, NS).length, 3, 'claims outlive their pods');
  } finally {
    await c.stop();
  }
});

test('StatefulSet: a rolling update with a partition replaces pods from the top down to the partition only', async () => {
  const s = statefulSet(3);
  s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } };
  const c = await startOnFake(['statefulset'], [[R.statefulsets, s]]);
  try {
    for (let i = 0; i < 3; i++) {
      await until(`web-${i}`, () => c.api.find<Pod>(R.pods, NS, `web-${i}`));
      await ready(c.api, `web-${i}`);
    }
    await until('3 ready', () => set(c.api).status?.readyReplicas === 3);
    const oldRevision = c.api.find<Pod>(R.pods, NS, 'web-0')!.metadata.labels?.[REVISION_LABEL];
    const cur = set(c.api);
    await c.api.update(R.statefulsets, { ...cur, spec: { ...cur.spec, template: { ...cur.spec.template, spec: { ...cur.spec.template.spec, containers: [{ ...cur.spec.template.spec.containers[0]!, image: 'nginx:2' }] } } } });
    const revisionOf = (n: string): string | undefined => c.api.find<Pod>(R.pods, NS, n)?.metadata.labels?.[REVISION_LABEL];
    await until('updateRevision', () => set(c.api).status?.updateRevision && set(c.api).status?.updateRevision !== set(c.api).status?.currentRevision);
    for (const n of ['web-2', 'web-1']) {
      await until(`${n} terminating`, () => c.api.find<Pod>(R.pods, NS, n)?.metadata.deletionTimestamp);
      await actAsKubelet(c.api, NS);
      await until(`${n} recreated on the new revision`, () => revisionOf(n) !== undefined && revisionOf(n) !== oldRevision);
      await ready(c.api, n);
    }
    await until('2 updated', () => set(c.api).status?.updatedReplicas === 2);
    assert.equal(revisionOf('web-0'), oldRevision, 'below the partition nothing changes');
    assert.deepEqual([...new Set(podActions(c.api, 'delete'))], ['web-2', 'web-1']);
  } finally {
    await c.stop();
  }
});
