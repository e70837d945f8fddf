import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, cpuMillis, bytes, parseQuantity, parseSelector, scaledValue, selectorFromLabelSelector } from '../src';

test('string selectors: =, !=, in, notin, exists, !exists', () => {
  const s = parseSelector('a=b,c!=d,e in (x,y),!f,g');
  assert.equal(s.matches({ a: 'b', e: 'x', g: '' }), true);
  assert.equal(s.matches({ a: 'b', e: 'x', g: '', c: 'd' }), false);
  assert.equal(s.matches({ a: 'b', e: 'z', g: '' }), false);
  assert.equal(s.matches({ a: 'b', e: 'y', g: '', f: '1' }), false);
  assert.equal(s.matches({ a: 'b', e: 'y' }), false);
  assert.equal(parseSelector('e notin (x)').matches({}), true);
  assert.equal(parseSelector('').matches({ any: 'thing' }), true);
});

test('malformed selectors are a 400', () => {
  for (const bad of ['a=b,', 'a in x', 'bad key=1', 'a=b c']) {
    assert.throws(() => parseSelector(bad), (e: unknown) => e instanceof ApiError && e.code === 400, bad);
  }
});

test('LabelSelector objects: matchLabels and matchExpressions; null matches nothing', () => {
  const s = selectorFromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }, { key: 'env', operator: 'Exists' }] })!;
  assert.equal(s.matches({ app: 'web', env: 'p' }), true);
  assert.equal(s.matches({ app: 'web', env: 'p', tier: 'db' }), false);
  assert.equal(s.toString(), 'app=web,tier notin (db),env');
  assert.equal(selectorFromLabelSelector(undefined), null);
});

test('quantities and int-or-percent', () => {
  assert.equal(cpuMillis('100m'), 100);
  assert.equal(cpuMillis('1.5'), 1500);
  assert.equal(bytes('128Mi'), 128 * 1024 * 1024);
  assert.equal(bytes('1G'), 1e9);
  assert.equal(parseQuantity('1x'), undefined);
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue(4, 10, false), 4);
});

test('a selector over 16 KiB is a 400 naming the parameter', () => {
  const long = 'a=b,'.repeat(5000) + 'a=b';
  assert.throws(() => parseSelector(long), (e: unknown) => e instanceof ApiError && e.code === 400 && /labelSelector: Too long/.test(e.message));
  assert.equal(parseSelector('a=b,'.repeat(4000) + 'a=b').matches({ a: 'b' }), true);
});
