import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchMeta } from '../src/openapi/patch-meta';
import { strategicMergePatch } from '../src/patch';

const POD = 'io.k8s.api.core.v1.Pod';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

test('patch metadata comes from the schemas: merge keys through references and lists, sets, atomic lists', () => {
  assert.deepEqual(patchMeta(DEPLOYMENT, ['spec', 'template', 'spec', 'containers']), { mergeKey: 'name' });
  assert.deepEqual(patchMeta(DEPLOYMENT, ['spec', 'template', 'spec', 'containers', 'ports']), { mergeKey: 'containerPort' });
  assert.deepEqual(patchMeta(POD, ['spec', 'containers', 'volumeMounts']), { mergeKey: 'mountPath' });
  assert.deepEqual(patchMeta('io.k8s.api.core.v1.Service', ['spec', 'ports']), { mergeKey: 'port' });
  assert.deepEqual(patchMeta(POD, ['metadata', 'finalizers']), { set: true });
  assert.deepEqual(patchMeta(POD, ['spec', 'imagePullSecrets']), { mergeKey: 'name' });
  // Kubernetes replaces these whole.
  assert.deepEqual(patchMeta(POD, ['spec', 'tolerations']), {});
  assert.deepEqual(patchMeta('io.k8s.api.core.v1.Endpoints', ['subsets', 'addresses']), {});
  assert.deepEqual(patchMeta(POD, ['spec', 'containers', 'args']), {});
  assert.deepEqual(patchMeta(undefined, ['spec', 'containers']), {});
});

test('strategic merge patch: containers merged by name, env by name, tolerations replaced, finalizers unioned', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', finalizers: ['a'] },
    spec: {
      containers: [{ name: 'web', image: 'nginx:1.22', env: [{ name: 'A', value: '1' }] }, { name: 'side', image: 'busybox:1.35' }],
      tolerations: [{ key: 'k1', operator: 'Exists' }],
    },
  };
  const patch = { metadata: { finalizers: ['b'] }, spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '2' }] }], tolerations: [{ key: 'k2', operator: 'Exists' }] } };
  const out = strategicMergePatch(pod, patch, POD) as typeof pod;
  assert.deepEqual(out.metadata.finalizers, ['a', 'b']);
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['web', 'side']);
  assert.deepEqual(out.spec.containers[0]!.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
  assert.equal(out.spec.containers[0]!.image, 'nginx:1.22');
  assert.deepEqual(out.spec.tolerations, [{ key: 'k2', operator: 'Exists' }]);
  // $patch: replace on the template, as a StatefulSet's ControllerRevision carries it.
  const replaced = strategicMergePatch({ spec: { template: { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'x' }] } } } }, { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'y' }] } } } }, 'io.k8s.api.apps.v1.StatefulSet');
  assert.deepEqual(replaced, { spec: { template: { spec: { containers: [{ name: 'y' }] } } } });
});

test('$setElementOrder puts the named items in the patch order (env order decides $(VAR) expansion); others follow', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }, { name: 'X', value: 'theirs' }, { name: 'C', value: '$(B)' }] }] } };
  const patch = { spec: { containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'C' }], env: [{ name: 'B', value: '2' }] }] } };
  const out = strategicMergePatch(pod, patch, POD) as typeof pod;
  assert.deepEqual(out.spec.containers[0]!.env.map((e) => e.name), ['A', 'B', 'C', 'X']);
  const fin = strategicMergePatch({ metadata: { finalizers: ['b', 'a'] } }, { metadata: { '$setElementOrder/finalizers': ['a', 'b'] } }, POD) as { metadata: { finalizers: string[] } };
  assert.deepEqual(fin.metadata.finalizers, ['a', 'b']);
});
