import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { R, type Pod, type ResourceQuota, type Service } from '@tinykube/api';
import { startOnFake, until } from './fake-cluster';

const NS = 'team';

test('quota controller: status.hard mirrors spec, used is recounted from what exists; deletions and finished pods give back', async () => {
  const quota: ResourceQuota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: NS }, spec: { hard: { pods: '3', 'requests.cpu': '2', 'limits.memory': '2Gi', services: '2', 'services.nodeports': '1', 'count/deployments.apps': '1' } } };
  const pod = (name: string, cpu: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu }, limits: { memory: '512Mi' } } }] } });
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  const c = await startOnFake(['resourcequota'], [
    [R.pods, pod('a', '500m')],
    [R.pods, pod('b', '250m')],
    [R.pods, { ...pod('other', '1'), metadata: { name: 'other', namespace: 'elsewhere' } }],
    [R.services, svc],
    [R.resourcequotas, quota],
  ]);
  try {
    const used = (): Record<string, string> | undefined => c.api.find<ResourceQuota>(R.resourcequotas, NS, 'q')?.status?.used;
    await until('the first count', () => used());
    assert.deepEqual(used(), { pods: '2', 'requests.cpu': '750m', 'limits.memory': '1Gi', services: '1', 'services.nodeports': '1', 'count/deployments.apps': '0' });
    assert.deepEqual(c.api.find<ResourceQuota>(R.resourcequotas, NS, 'q')?.status?.hard, quota.spec!.hard);
    // A pod that finishes, and one deleted, free their share.
    await c.api.patch(R.pods, NS, 'a', 'merge', { status: { phase: 'Succeeded' } }, true);
    await until('a finished pod given back', () => used()?.pods === '1' && used()?.['requests.cpu'] === '250m');
    await c.api.delete(R.pods, NS, 'b', { gracePeriodSeconds: 0 });
    await until('a deleted pod given back', () => used()?.pods === '0' && used()?.['limits.memory'] === '0');
    // A changed spec is mirrored.
    await c.api.patch(R.resourcequotas, NS, 'q', 'merge', { spec: { hard: { pods: '5' } } });
    await until('the new hard', () => c.api.find<ResourceQuota>(R.resourcequotas, NS, 'q')?.status?.hard?.pods === '5');
  } finally {
    await c.stop();
  }
});
