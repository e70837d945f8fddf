import { test } from 'node:test';
import assert from 'node:assert/strict';
import { semanticJson, type Deployment, type Pod, type ReplicaSet, type Service } from '@tinykube/api';
import { computeSubsets } from '../src/controllers/endpoints';
import { deletionRank } from '../src/controllers/replicaset';
import { newRSReplicas, resolveFenceposts, scaleDownOld } from '../src/controllers/rollout';
import { Expectations } from '../src/expectations';
import { templateHash } from '../src/pod-util';
import { tolerationFor } from '../src/taints';

function dep(replicas: number, maxSurge?: number | string, maxUnavailable?: number | string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas, selector: {}, template: { spec: { containers: [] } }, strategy: { type: 'RollingUpdate', rollingUpdate: { ...(maxSurge !== undefined ? { maxSurge } : {}), ...(maxUnavailable !== undefined ? { maxUnavailable } : {}) } } },
  };
}

function rs(name: string, replicas: number, available: number, created = '2026-01-01T00:00:00Z'): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, creationTimestamp: created }, spec: { replicas, selector: {}, template: { spec: { containers: [] } } }, status: { replicas, availableReplicas: available } };
}

test('surge rounds up and unavailability down, as Kubernetes', () => {
  assert.deepEqual(resolveFenceposts(dep(10)), { maxSurge: 3, maxUnavailable: 2 });
  assert.deepEqual(resolveFenceposts(dep(3, '50%', '50%')), { maxSurge: 2, maxUnavailable: 1 });
  assert.deepEqual(resolveFenceposts(dep(3, 0, 0)), { maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(resolveFenceposts(dep(1)), { maxSurge: 1, maxUnavailable: 0 });
});

test('a rollout never exceeds replicas+maxSurge nor drops below replicas-maxUnavailable', () => {
  // Simulate a rollout of 5 replicas (surge 2, unavailable 1) where new pods become available at once.
  const d = dep(5, 2, 1);
  let oldRS = rs('old', 5, 5, '2026-01-01T00:00:00Z');
  let newRS = rs('new', 0, 0, '2026-01-02T00:00:00Z');
  for (let step = 0; step < 20 && !(newRS.spec.replicas === 5 && oldRS.spec.replicas === 0); step++) {
    const up = newRSReplicas(d, [oldRS, newRS], newRS);
    newRS = rs('new', up, newRS.status!.availableReplicas!, '2026-01-02T00:00:00Z');
    assert.ok((oldRS.spec.replicas ?? 0) + up <= 7, `step ${step}: ${oldRS.spec.replicas} + ${up} pods`);
    const down = scaleDownOld(d, [oldRS, newRS], newRS, [oldRS]).get('old') ?? oldRS.spec.replicas!;
    oldRS = rs('old', down, Math.min(down, oldRS.status!.availableReplicas!), '2026-01-01T00:00:00Z');
    assert.ok(down + newRS.status!.availableReplicas! >= 4, `step ${step}: availability ${down} + ${newRS.status!.availableReplicas}`);
    newRS = rs('new', up, up, '2026-01-02T00:00:00Z'); // the new pods become available
  }
  assert.equal(newRS.spec.replicas, 5);
  assert.equal(oldRS.spec.replicas, 0);
});

test('old replica sets lose their unavailable pods first', () => {
  const d = dep(3, 1, 0);
  const out = scaleDownOld(d, [rs('old', 3, 2), rs('new', 1, 1)], rs('new', 1, 1), [rs('old', 3, 2)]);
  assert.equal(out.get('old'), 2);
});

test('endpoints: ready and not-ready addresses, named target ports resolved per pod', () => {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'd' }, spec: { selector: { app: 'a' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } };
  const p = (name: string, ip: string, ready: boolean, port: number): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'd', uid: name },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'web', containerPort: port }] }] },
    status: { podIP: ip, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const subsets = computeSubsets(svc, [p('a', '10.0.0.2', true, 8080), p('b', '10.0.0.3', false, 8080), p('c', '10.0.0.4', true, 9090)]);
  assert.deepEqual(
    subsets.map((s) => [s.ports?.map((x) => x.port), s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip)]),
    [
      [[8080], ['10.0.0.2'], ['10.0.0.3']],
      [[9090], ['10.0.0.4'], undefined],
    ],
  );
});

test('scale-down picks unscheduled, then not ready, then newest pods', () => {
  const p = (name: string, node: string | undefined, ready: boolean, created: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, creationTimestamp: created },
    spec: { containers: [], ...(node ? { nodeName: node } : {}) },
    status: { phase: node ? 'Running' : 'Pending', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const pods = [p('old-ready', 'n', true, '2026-01-01T00:00:00Z'), p('new-ready', 'n', true, '2026-01-02T00:00:00Z'), p('unready', 'n', false, '2026-01-01T00:00:00Z'), p('pending', undefined, false, '2026-01-01T00:00:00Z')];
  assert.deepEqual([...pods].sort(deletionRank).map((x) => x.metadata.name), ['pending', 'unready', 'new-ready', 'old-ready']);
});

test('template hashes ignore key order; toleration seconds; expectations', () => {
  assert.equal(templateHash({ a: 1, b: { c: 2 } }), templateHash({ b: { c: 2 }, a: 1 }));
  assert.notEqual(templateHash({ a: 1 }), templateHash({ a: 2 }));
  assert.match(templateHash({ a: 1 }), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(semanticJson({ metadata: { creationTimestamp: null, labels: {} } }), semanticJson({ metadata: { labels: {} } }));
  // The hash of a fixed template, as earlier releases computed it: a change would make every
  // Deployment start a new ReplicaSet on upgrade.
  const fixed = { metadata: { labels: { app: 'web' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'nginx:1.25', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: null }] }] } };
  assert.equal(templateHash(fixed), '8bc455fbf');
  assert.equal(templateHash(fixed, 1), '65d44c5884');
  const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const };
  const pod = (tolerations: Pod['spec']['tolerations']): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [], tolerations } });
  assert.equal(tolerationFor(pod([{ key: taint.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), taint), 300);
  assert.equal(tolerationFor(pod([{ operator: 'Exists' }]), taint), 'forever');
  assert.equal(tolerationFor(pod([]), taint), 'none');
  const e = new Expectations();
  e.expect('k', 2, 0);
  assert.equal(e.satisfied('k'), false);
  e.creationObserved('k');
  e.creationObserved('k');
  assert.equal(e.satisfied('k'), true);
});
