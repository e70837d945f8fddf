import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, apiVersionOf } from '@tinykube/api';
import { DEFINITIONS, closure, kindDefinition } from '../src/openapi/definitions';
import { openapiDocument } from '../src/openapi/documents';

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
