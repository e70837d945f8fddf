import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, apiVersionOf } from '@tinykube/api';
import { DEFINITIONS, closure, kindDefinition } from '../src/openapi/definitions';
import { openapiDocument } from '../src/openapi/documents';
import { unknownFields } from '../src/openapi/unknown-fields';

test('every definition and every field has a description, so kubectl explain never prints an empty one', () => {
  for (const [name, schema] of Object.entries(DEFINITIONS)) {
    assert.ok(typeof schema['description'] === 'string' && schema['description'].length > 0, name);
    for (const [field, s] of Object.entries((schema['properties'] ?? {}) as Record<string, Record<string, unknown>>))
      assert.ok(typeof s['description'] === 'string' && s['description'].length > 0, `${name}.${field}`);
  }
});

test('each group-version document holds its kinds with their group-version-kind and everything they refer to', () => {
  for (const r of RESOURCES) {
    const doc = openapiDocument(apiVersionOf(r)) as { components: { schemas: Record<string, Record<string, unknown>> } };
    const schema = doc.components.schemas[kindDefinition(r)];
    assert.ok(schema, r.kind);
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: r.kind }]);
    for (const name of closure([kindDefinition(r)]).keys()) assert.ok(doc.components.schemas[name], `${r.kind} needs ${name}`);
  }
  assert.ok((openapiDocument('apps/v1') as { components: { schemas: Record<string, unknown> } }).components.schemas['io.k8s.api.autoscaling.v1.Scale']);
});

test('a reference to an undefined definition is an error, not a silent hole', () => {
  assert.throws(() => closure(['io.k8s.api.core.v1.NoSuchThing']), /NoSuchThing is referred to but not defined/);
});

test('unknown fields are found by their path through references, lists and maps, and pruned on request', () => {
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { anything: 'goes' }, bogus: 1 },
    spec: {
      replica: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'a', image: 'nginx:1.22' }, { name: 'b', image: 'nginx:1.22', imagee: 'x', ports: [{ containerPort: 80, portocol: 'TCP' }], securityContext: { runAsUser: 1000, seLinuxOptions: { whatever: 'x' } } }],
          affinity: { podAntiAffinity: { free: 'form' } },
        },
      },
      strategy: { rollingUpdate: { maxSurge: '25%' } },
    },
  };
  const definition = kindDefinition({ group: 'apps', version: 'v1', kind: 'Deployment' });
  const expected = ['metadata.bogus', 'spec.replica', 'spec.template.spec.containers[1].imagee', 'spec.template.spec.containers[1].ports[0].portocol'];
  assert.deepEqual(unknownFields(structuredClone(dep), definition, false), expected);
  const pruned = structuredClone(dep);
  assert.deepEqual(unknownFields(pruned, definition, true), expected);
  assert.deepEqual(unknownFields(pruned, definition, false), []);
  assert.equal(pruned.spec.template.spec.containers[1]!.image, 'nginx:1.22');
  assert.deepEqual(pruned.spec.template.spec.containers[1]!.securityContext, { runAsUser: 1000, seLinuxOptions: { whatever: 'x' } });
});
