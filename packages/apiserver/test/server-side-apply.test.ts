import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, KubeObject } from '@tinykube/api';
import { apply, display, fieldSet, fromFieldsV1, recordUpdate, toFieldsV1 } from '../src/server-side-apply';

function dep(replicas: number, image: string, extra: Record<string, string> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', ...extra } },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } } },
  };
}

test('field sets: containers keyed by name, FieldsV1 round trip, printed paths', () => {
  const set = fieldSet(dep(3, 'nginx:1.22'));
  assert.ok([...set].some((p) => display(p) === '.spec.template.spec.containers[name="nginx"].image'));
  assert.ok([...set].some((p) => display(p) === '.spec.replicas'));
  const v1 = toFieldsV1(set) as Record<string, Record<string, unknown>>;
  assert.ok(v1['f:spec']!['f:replicas']);
  assert.deepEqual([...fromFieldsV1(v1)].sort(), [...set].sort());
});

test('apply: create, no-op, conflict with another manager unless forced, removal of dropped fields', () => {
  const created = apply(undefined, dep(3, 'nginx:1.22', { tier: 'web' }), 'kubectl', false, 'deployments.apps');
  assert.equal(created.metadata.managedFields?.[0]?.manager, 'kubectl');
  // Someone scales it (an Update by another manager): spec.replicas is now theirs.
  const scaled = structuredClone(created) as Deployment;
  scaled.spec.replicas = 5;
  recordUpdate(created, scaled, 'kubectl-scale');
  assert.deepEqual(scaled.metadata.managedFields?.map((e) => [e.manager, e.operation]), [
    ['kubectl', 'Apply'],
    ['kubectl-scale', 'Update'],
  ]);
  assert.throws(() => apply(scaled, dep(3, 'nginx:1.22', { tier: 'web' }), 'kubectl', false, 'deployments.apps'), /Apply failed with 1 conflict: conflict with "kubectl-scale" using apps\/v1: \.spec\.replicas/);
  // Re-applying without replicas is no conflict, and leaves the scale alone.
  const { replicas: _r, ...specWithout } = dep(3, 'nginx:1.23').spec;
  const withoutReplicas = { ...dep(3, 'nginx:1.23'), spec: specWithout } as KubeObject;
  const updated = apply(scaled, withoutReplicas, 'kubectl', false, 'deployments.apps') as Deployment;
  assert.equal(updated.spec.replicas, 5);
  assert.equal(updated.spec.template.spec.containers[0]!.image, 'nginx:1.23');
  assert.equal(updated.metadata.labels?.tier, undefined, 'a label the manager no longer applies is removed');
  // Forced: the field changes hands.
  const forced = apply(scaled, dep(2, 'nginx:1.22', { tier: 'web' }), 'kubectl', true, 'deployments.apps') as Deployment;
  assert.equal(forced.spec.replicas, 2);
  assert.deepEqual(forced.metadata.managedFields?.map((e) => e.manager), ['kubectl']);
});
