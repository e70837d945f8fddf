import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '@tinykube/api';
import { computeDisruption, DEFAULT_DISRUPTION, ZoneTaintLimiter, zoneState } from '../src/controllers/zone-disruption';

function node(name: string, ready: 'True' | 'False' | 'Unknown', zone = 'a'): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } }, spec: {}, status: { conditions: [{ type: 'Ready', status: ready }] } };
}

test('a zone with no Ready node is fully disrupted; three or more not Ready above the threshold is partial', () => {
  assert.equal(zoneState([node('a', 'Unknown'), node('b', 'Unknown')], 0.55), 'FullDisruption');
  assert.equal(zoneState([node('a', 'Unknown'), node('b', 'True'), node('c', 'True')], 0.55), 'Normal');
  // Two of three not Ready is above the threshold, but Kubernetes wants more than two.
  assert.equal(zoneState([node('a', 'Unknown'), node('b', 'False'), node('c', 'True')], 0.55), 'Normal');
  assert.equal(zoneState([node('a', 'Unknown'), node('b', 'Unknown'), node('c', 'Unknown'), node('d', 'True')], 0.55), 'PartialDisruption');
  assert.equal(zoneState([node('a', 'Unknown'), node('b', 'Unknown'), node('c', 'Unknown'), node('d', 'True'), node('e', 'True'), node('f', 'True')], 0.55), 'Normal');
});

test('every zone fully disrupted stops evictions; one healthy zone keeps the others evicting at the primary rate', () => {
  const allDown = computeDisruption([node('a', 'Unknown'), node('b', 'Unknown'), node('c', 'Unknown')], DEFAULT_DISRUPTION);
  assert.equal(allDown.all, true);
  const oneZoneDown = computeDisruption([node('a', 'Unknown', 'x'), node('b', 'True', 'y')], DEFAULT_DISRUPTION);
  assert.equal(oneZoneDown.all, false);
  assert.equal(oneZoneDown.zones.get(':\u0000:x')?.state, 'FullDisruption');
  assert.equal(oneZoneDown.zones.get(':\u0000:x')?.rate, DEFAULT_DISRUPTION.evictionRate);
});

test('a partially disrupted small zone evicts nothing; a large one at the secondary rate', () => {
  const small = computeDisruption([...['a', 'b', 'c'].map((n) => node(n, 'Unknown')), node('d', 'True')], DEFAULT_DISRUPTION);
  assert.equal(small.zones.get(':\u0000:a')?.rate, 0);
  const many = Array.from({ length: 60 }, (_, i) => node(`n${i}`, i < 40 ? 'Unknown' : 'True'));
  const large = computeDisruption(many, DEFAULT_DISRUPTION);
  assert.equal(large.zones.get(':\u0000:a')?.state, 'PartialDisruption');
  assert.equal(large.zones.get(':\u0000:a')?.rate, DEFAULT_DISRUPTION.secondaryEvictionRate);
});

test('the taint limiter lets one node through per 1/rate seconds in each zone, none at rate 0', () => {
  const l = new ZoneTaintLimiter();
  assert.equal(l.take('z', 0.1, 1000), true);
  assert.equal(l.take('z', 0.1, 2000), 9000);
  assert.equal(l.take('other', 0.1, 2000), true);
  assert.equal(l.take('z', 0.1, 11_000), true);
  assert.equal(l.take('z', 0, 100_000), Infinity);
});
