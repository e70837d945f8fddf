import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from '@tinykube/api';
import { Backoff, containerEnv, expand, podPhase, podStatus, routeChanges, serviceEnv, type ContainerView, type PodSources } from '../src';

const none: PodSources = { configMaps: new Map(), secrets: new Map(), allocatable: { cpu: '2', memory: '4Gi' } };

const basePod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'prod', uid: 'u1' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox:1.35' }] } };

function view(o: Partial<ContainerView> & { running?: boolean; exitCode?: number; attempt?: number }): ContainerView {
  const details = { id: 'x', running: o.running ?? false, exitCode: o.exitCode ?? 0, oomKilled: false, error: '', startedAt: '2026-01-01T00:00:00Z', imageId: 'sha256:1', ip: '', pid: 0 };
  return { spec: { name: 'c', image: 'busybox:1.35' }, ready: o.ready ?? false, started: o.started ?? false, ...(o.running !== undefined || o.exitCode !== undefined ? { current: { id: 'x', attempt: o.attempt ?? 0, details } } : {}), ...(o.waiting ? { waiting: o.waiting } : {}) };
}

test('phase follows the kubelet: Pending while waiting, Running, Succeeded or Failed by restart policy', () => {
  const st = (v: ContainerView, policy?: Pod['spec']['restartPolicy']): string => podPhase({ ...basePod, spec: { ...basePod.spec, ...(policy ? { restartPolicy: policy } : {}) } }, [podStatus(basePod, [v], '', '').containerStatuses![0]!]);
  assert.equal(st(view({})), 'Pending');
  assert.equal(st(view({ running: true })), 'Running');
  assert.equal(st(view({ exitCode: 0 }), 'Never'), 'Succeeded');
  assert.equal(st(view({ exitCode: 1 }), 'Never'), 'Failed');
  assert.equal(st(view({ exitCode: 1 }), 'OnFailure'), 'Running');
  assert.equal(st(view({ exitCode: 1, waiting: { reason: 'CrashLoopBackOff' } })), 'Running');
});

test('status: Ready only when every container is ready; crash loops show the last termination', () => {
  const ready = podStatus(basePod, [view({ running: true, ready: true, started: true })], '10.244.1.2', '10.240.0.11');
  assert.equal(ready.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(ready.podIP, '10.244.1.2');
  const crashing = podStatus(basePod, [view({ exitCode: 3, attempt: 2, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } })], '10.244.1.2', '10.240.0.11');
  const cs = crashing.containerStatuses![0]!;
  assert.equal(cs.restartCount, 2);
  assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(cs.lastState?.terminated?.exitCode, 3);
  assert.equal(cs.lastState?.terminated?.reason, 'Error');
  assert.equal(crashing.conditions?.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [c]');
});

test('crash-loop back-off: immediate first restart, then doubling, capped, reset by a long run', () => {
  const b = new Backoff({ initialMs: 10_000, maxMs: 40_000, resetMs: 600_000 });
  assert.equal(b.remaining('k', 1000, 100, 1000), 0);
  b.next('k');
  assert.equal(b.remaining('k', 1000, 100, 1000), 10_000);
  b.next('k');
  b.next('k');
  b.next('k');
  assert.equal(b.remaining('k', 1000, 100, 1000), 40_000);
  assert.equal(b.remaining('k', 1000, 600_000, 1000), 0);
});

test('service environment variables and $(VAR) expansion as Kubernetes sets them', () => {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis-main', namespace: 'prod' }, spec: { clusterIP: '10.96.0.7', ports: [{ name: 'redis', port: 6379 }] } };
  const env = serviceEnv([svc, { ...svc, metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } }]);
  assert.equal(env.REDIS_MAIN_SERVICE_HOST, '10.96.0.7');
  assert.equal(env.REDIS_MAIN_SERVICE_PORT, '6379');
  assert.equal(env.REDIS_MAIN_SERVICE_PORT_REDIS, '6379');
  assert.equal(env.REDIS_MAIN_PORT_6379_TCP_ADDR, '10.96.0.7');
  assert.equal(env.HEADLESS_SERVICE_HOST, undefined);
  assert.equal(expand('$(A)-$$(A)-$(B)', { A: 'x' }), 'x-$(A)-$(B)');
  const pod: Pod = { ...basePod, spec: { ...basePod.spec, containers: [{ name: 'c', env: [{ name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, { name: 'URL', value: 'http://$(IP):80' }] }] } };
  const c = containerEnv(pod, pod.spec.containers[0]!, [], '10.244.1.9', '10.240.0.11', none).env;
  assert.equal(c.ME, 'web-0');
  assert.equal(c.URL, 'http://10.244.1.9:80');
});

test('host-gw routes: one per other node, stale ones removed, unrelated routes untouched', () => {
  const n = (name: string, ip: string, cidr?: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: cidr ? { podCIDR: cidr } : {}, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
  const nodes = [n('node-1', '10.240.0.11', '10.244.0.0/24'), n('node-2', '10.240.0.12', '10.244.1.0/24'), n('node-3', '10.240.0.13')];
  const current = [
    { dst: '10.244.5.0/24', gateway: '10.240.0.15' },
    { dst: '10.244.0.0/24', dev: 'tk-pods' },
    { dst: '10.96.0.0/16', dev: 'tk-svc0' },
  ];
  const { add, del } = routeChanges('node-1', '10.244.0.0/16', nodes, current);
  assert.deepEqual(add, [{ dst: '10.244.1.0/24', gateway: '10.240.0.12' }]);
  assert.deepEqual(del, [{ dst: '10.244.5.0/24', gateway: '10.240.0.15' }]);
});

test('every pod gets the kubernetes Service variables, even without service links; a Service of that name in its namespace takes their place', () => {
  const master: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } };
  const noLinks: Pod = { ...basePod, spec: { ...basePod.spec, enableServiceLinks: false, containers: [{ name: 'c' }] } };
  const env = containerEnv(noLinks, noLinks.spec.containers[0]!, [], '10.244.1.9', '10.240.0.11', none, master).env;
  assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  const own: Service = { ...master, metadata: { name: 'kubernetes', namespace: 'web' }, spec: { clusterIP: '10.96.7.7', ports: [{ port: 80 }] } };
  const linked: Pod = { ...basePod, spec: { ...basePod.spec, containers: [{ name: 'c' }] } };
  assert.equal(containerEnv(linked, linked.spec.containers[0]!, [own], '10.244.1.9', '10.240.0.11', none, master).env.KUBERNETES_SERVICE_HOST, '10.96.7.7');
});
