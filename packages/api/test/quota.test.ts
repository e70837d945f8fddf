import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimitRange, formatQuantity, limitRangeRules, podResourceTotals, quotaUsage, R, resourceQuotaRules, validateNew, type LimitRange, type Pod, type ResourceQuota, type Service } from '../src';

const c = (name: string, requests: Record<string, string>, restartPolicy?: 'Always') => ({ name, image: 'i', resources: { requests }, ...(restartPolicy ? { restartPolicy } : {}) });

test("a pod's requests as Kubernetes' PodRequests: app containers and sidecars add up, an ordinary init container counts only where larger", () => {
  const pod: Pod = {
    metadata: { name: 'p' },
    spec: {
      initContainers: [c('side', { cpu: '100m' }, 'Always'), c('setup', { cpu: '1', memory: '64Mi' })],
      containers: [c('a', { cpu: '200m', memory: '128Mi' }), c('b', { cpu: '300m' })],
    },
  };
  const t = podResourceTotals(pod, 'requests');
  // Containers 500m + sidecar 100m = 600m; setup runs beside the sidecar: 1100m, the larger.
  assert.equal(Math.round(t.get('cpu')! * 1000), 1100);
  assert.equal(t.get('memory'), 128 * 2 ** 20);
});

test('quota usage: counts, compute totals, node ports; finished pods use nothing', () => {
  const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '500m' } } }] } };
  const names = ['pods', 'count/pods', 'requests.cpu', 'cpu', 'limits.cpu', 'requests.memory', 'services', 'count/deployments.apps'];
  assert.deepEqual(Object.fromEntries(quotaUsage(R.pods, pod, names)), { pods: 1, 'count/pods': 1, 'requests.cpu': 0.25, cpu: 0.25, 'limits.cpu': 0.5, 'requests.memory': 2 ** 30 });
  assert.deepEqual(Object.fromEntries(quotaUsage(R.pods, { ...pod, status: { phase: 'Succeeded' } }, names)), {});
  const svc: Service = { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } };
  assert.deepEqual(Object.fromEntries(quotaUsage(R.services, svc, ['services', 'services.nodeports', 'services.loadbalancers', 'pods'])), { services: 1, 'services.nodeports': 2, 'services.loadbalancers': 0 });
  assert.deepEqual(Object.fromEntries(quotaUsage(R.deployments, { metadata: { name: 'd' } }, names)), { 'count/deployments.apps': 1 });
});

test('quantities print as Kubernetes would: millicores, binary units, plain counts', () => {
  assert.equal(formatQuantity('requests.cpu', 0.25), '250m');
  assert.equal(formatQuantity('cpu', 2), '2');
  assert.equal(formatQuantity('requests.memory', 256 * 2 ** 20), '256Mi');
  assert.equal(formatQuantity('requests.memory', 2 ** 30), '1Gi');
  assert.equal(formatQuantity('pods', 3), '3');
  assert.equal(formatQuantity('requests.memory', 1000), '1000');
});

test("LimitRange defaults as Kubernetes' SetDefaults (default from max, default request from default, then min) and its validation's words", () => {
  const lr: LimitRange = { metadata: { name: 'l', namespace: 'n' }, spec: { limits: [{ type: 'Container', max: { memory: '1Gi' }, min: { cpu: '100m' } }] } };
  defaultLimitRange(lr);
  assert.deepEqual(lr.spec.limits[0], { type: 'Container', max: { memory: '1Gi' }, min: { cpu: '100m' }, default: { memory: '1Gi' }, defaultRequest: { memory: '1Gi', cpu: '100m' } });
  const bad: LimitRange = {
    metadata: { name: 'l', namespace: 'n' },
    spec: { limits: [{ type: 'Container', min: { memory: '2Gi' }, max: { memory: '1Gi' }, maxLimitRequestRatio: { cpu: '500m' } }, { type: 'Pod', default: { cpu: '1' } }, { type: 'Widget' as 'Pod' }] },
  };
  const errs = validateNew(bad, true, 'subdomain', limitRangeRules).map((e) => `${e.field}: ${e.detail}`);
  assert.ok(errs.includes('spec.limits[0].min[memory]: min value 2Gi is greater than max value 1Gi'), errs.join('\n'));
  assert.ok(errs.includes('spec.limits[0].maxLimitRequestRatio[cpu]: ratio 500m is less than 1'));
  assert.ok(errs.includes("spec.limits[1].default: may not be specified when `type` is 'Pod'"));
  assert.ok(errs.some((e) => e.startsWith('spec.limits[2].type: supported values')));
});

test('ResourceQuota validation: quantities, standard names, scopes', () => {
  const q = (hard: Record<string, string>, scopes?: string[]): ResourceQuota => ({ metadata: { name: 'q', namespace: 'n' }, spec: { hard, ...(scopes ? { scopes } : {}) } });
  assert.deepEqual(validateNew(q({ pods: '10', 'requests.cpu': '2', 'count/deployments.apps': '3', 'services.nodeports': '1' }), true, 'subdomain', resourceQuotaRules), []);
  const errs = validateNew(q({ pods: '-1', widgets: '1', 'limits.memory': 'lots' }, ['Sometimes']), true, 'subdomain', resourceQuotaRules).map((e) => `${e.field}: ${e.detail}`);
  assert.ok(errs.includes('spec.hard[pods]: must be greater than or equal to 0'), errs.join('\n'));
  assert.ok(errs.includes('spec.hard[widgets]: must be a standard resource for quota'));
  assert.ok(errs.some((e) => e.startsWith('spec.hard[limits.memory]: quantities must match')));
  assert.ok(errs.some((e) => e.startsWith('spec.scopes[0]: supported values')));
});
