import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qosClass, type Container, type Pod } from '../src';

const pod = (containers: Partial<Container>[], initContainers: Partial<Container>[] = []): Pod => ({
  metadata: { name: 'p' },
  spec: { containers: containers.map((c, i) => ({ name: `c${i}`, image: 'i', ...c })), initContainers: initContainers.map((c, i) => ({ name: `i${i}`, image: 'i', ...c })) },
});
const both = (cpu: string, memory: string) => ({ resources: { requests: { cpu, memory }, limits: { cpu, memory } } });

test('QoS as Kubernetes computes it: init containers count, quantities compare by value, cpu and memory only', () => {
  assert.equal(qosClass(pod([{}])), 'BestEffort');
  assert.equal(qosClass(pod([{ resources: { requests: { 'ephemeral-storage': '1Gi' } } }])), 'BestEffort');
  assert.equal(qosClass(pod([both('1', '1Gi')])), 'Guaranteed');
  assert.equal(qosClass(pod([{ resources: { requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '1', memory: '1Gi' } } }])), 'Guaranteed');
  // An init container without limits makes a pod of guaranteed containers Burstable.
  assert.equal(qosClass(pod([both('1', '1Gi')], [{ resources: { requests: { cpu: '100m' } } }])), 'Burstable');
  assert.equal(qosClass(pod([both('1', '1Gi')], [both('1', '1Gi')])), 'Guaranteed');
  assert.equal(qosClass(pod([{ resources: { limits: { cpu: '1' } } }])), 'Burstable');
});
