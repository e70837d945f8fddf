// LimitRanger and ResourceQuota admission, without etcd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, R, statusFailure, type LimitRange, type Pod, type ResourceQuota } from '@tinykube/api';
import type { Attributes } from '../src/admission';
import { LimitRanger } from '../src/admission/limit-ranger';
import { ResourceQuotaAdmission } from '../src/admission/resource-quota';

const pod = (name: string, resources?: Pod['spec']['containers'][0]['resources']): Pod => ({ metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'app', image: 'i', ...(resources ? { resources } : {}) }] } });
const create = (obj: Pod, dryRun = false): Attributes => ({ operation: 'CREATE', resource: R.pods, subresource: '', namespace: 'ns', name: obj.metadata.name!, object: obj, oldObject: undefined, dryRun });
const forbidden = (re: RegExp) => (e: unknown): boolean => e instanceof ApiError && e.code === 403 && re.test(e.message);

test('LimitRanger fills the defaults a container did not set, says so in the annotation, and refuses a pod past min or max in Kubernetes words', () => {
  const lr: LimitRange = { metadata: { name: 'l', namespace: 'ns' }, spec: { limits: [{ type: 'Container', default: { memory: '256Mi', cpu: '1' }, defaultRequest: { memory: '128Mi', cpu: '100m' }, min: { cpu: '50m' }, max: { memory: '512Mi' } }, { type: 'Pod', max: { cpu: '2' } }] } };
  const plugin = new LimitRanger({ limitRanges: (ns) => (ns === 'ns' ? [lr] : []) });
  const p = pod('a', { limits: { cpu: '500m' }, requests: { cpu: '500m' } });
  const a = create(p);
  plugin.admit(a);
  assert.deepEqual(p.spec.containers[0]!.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
  assert.equal(p.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container app; memory limit for container app');
  plugin.validate(a);
  const big = pod('big', { limits: { memory: '1Gi', cpu: '3' }, requests: { memory: '1Gi', cpu: '10m' } });
  assert.throws(() => plugin.validate(create(big)), forbidden(/^pods "big" is forbidden: \[minimum cpu usage per Container is 50m, but request is 10m, maximum memory usage per Container is 512Mi, but limit is 1Gi, maximum cpu usage per Pod is 2, but limit is 3\]$/));
  // Other namespaces have no LimitRange.
  const other = { ...pod('o'), metadata: { name: 'o', namespace: 'free' } };
  plugin.admit({ ...create(other), namespace: 'free' });
  assert.equal(other.spec.containers[0]!.resources, undefined);
});

function quotaStore(q: ResourceQuota) {
  let current = structuredClone(q);
  let rv = 1;
  current.metadata.resourceVersion = String(rv);
  let conflicts = 0;
  return {
    get current() {
      return current;
    },
    failNext(n: number) {
      conflicts = n;
    },
    access: {
      cached: () => [structuredClone(current)],
      get: () => Promise.resolve(structuredClone(current)),
      updateStatus: (next: ResourceQuota) => {
        if (conflicts > 0 || next.metadata.resourceVersion !== current.metadata.resourceVersion) {
          conflicts--;
          // Another write charged the quota first.
          current = { ...current, metadata: { ...current.metadata, resourceVersion: String(++rv) } };
          return Promise.reject(new ApiError(statusFailure(409, 'Conflict', 'conflict')));
        }
        current = { ...structuredClone(next), metadata: { ...next.metadata, resourceVersion: String(++rv) } };
        return Promise.resolve();
      },
    },
  };
}

test('ResourceQuota admission: unknown status refuses, a pod is charged at once (after a conflict too), the one past the limit gets the exceeded-quota message, dry runs charge nothing', async () => {
  const q: ResourceQuota = { metadata: { name: 'q', namespace: 'ns' }, spec: { hard: { pods: '2', 'requests.memory': '1Gi' } } };
  const store = quotaStore(q);
  const plugin = new ResourceQuotaAdmission(store.access);
  await assert.rejects(plugin.validate(create(pod('a', { requests: { memory: '1Mi' } }))), forbidden(/^pods "a" is forbidden: status unknown for quota: q, resources: pods,requests.memory$/));
  store.current.status = { hard: { pods: '2', 'requests.memory': '1Gi' }, used: { pods: '0', 'requests.memory': '0' } };
  await assert.rejects(plugin.validate(create(pod('bare'))), forbidden(/^pods "bare" is forbidden: failed quota: q: must specify requests.memory$/));
  await plugin.validate(create(pod('a', { requests: { memory: '256Mi' } })));
  assert.deepEqual(store.current.status?.used, { pods: '1', 'requests.memory': '256Mi' });
  store.failNext(1);
  await plugin.validate(create(pod('b', { requests: { memory: '256Mi' } })));
  assert.deepEqual(store.current.status?.used, { pods: '2', 'requests.memory': '512Mi' });
  await assert.rejects(plugin.validate(create(pod('c', { requests: { memory: '1Gi' } }))), forbidden(/^pods "c" is forbidden: exceeded quota: q, requested: pods=1,requests.memory=1Gi, used: pods=2,requests.memory=512Mi, limited: pods=2,requests.memory=1Gi$/));
  store.current.status.used = { pods: '1', 'requests.memory': '512Mi' };
  await plugin.validate(create(pod('d', { requests: { memory: '1Mi' } }), true));
  assert.deepEqual(store.current.status?.used, { pods: '1', 'requests.memory': '512Mi' }, 'a dry run is checked, not charged');
});
