import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { canonicalJson, mergePatch, semanticJson, withoutConditionTimes } from '../src';

test('canonical JSON sorts keys at every level and keeps nulls; semantic JSON drops them', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } }), '{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  assert.notEqual(canonicalJson({ a: null }), canonicalJson({}));
  assert.equal(semanticJson({ a: null, b: { c: null, d: 1 } }), '{"b":{"d":1}}');
  assert.equal(semanticJson([null, { z: 1 }]), '[null,{"z":1}]');
});

test('withoutConditionTimes removes only the times of conditions', () => {
  const s = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 't1', lastProbeTime: 't2', lastUpdateTime: 't3', lastHeartbeatTime: 't4' }] };
  const other = { ...s, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 'later' }] };
  assert.equal(canonicalJson(withoutConditionTimes(s)), canonicalJson(withoutConditionTimes(other)));
  assert.notEqual(canonicalJson(withoutConditionTimes(s)), canonicalJson(withoutConditionTimes({ ...s, conditions: [{ type: 'Ready', status: 'False' }] })));
  assert.equal(s.conditions[0]?.lastTransitionTime, 't1', 'the input is not changed');
});

test('merge patch: objects merge, null deletes, lists and scalars replace', () => {
  assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] }), { a: { b: 1, d: 3 }, l: [3] });
  assert.equal(mergePatch({ a: 1 }, 'x'), 'x');
});
