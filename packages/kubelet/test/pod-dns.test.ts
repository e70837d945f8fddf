import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@tinykube/api';
import { podDns, resolvConfText } from '../src/pod-dns';

const settings = { clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n' };
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'team' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });

test("ClusterFirst: the cluster DNS, the namespace's search path, ndots:5, then the node's search domains", () => {
  assert.equal(resolvConfText(podDns(pod(), settings)), 'nameserver 10.96.0.10\nsearch team.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n');
});

test('Default and hostNetwork pods get the node resolv.conf; ClusterFirstWithHostNet keeps the cluster DNS; no cluster DNS falls back with a warning', () => {
  assert.deepEqual(podDns(pod({ dnsPolicy: 'Default' }), settings), { nameservers: ['192.0.2.53'], searches: ['corp.example'], options: ['edns0'] });
  assert.deepEqual(podDns(pod({ hostNetwork: true }), settings).nameservers, ['192.0.2.53']);
  assert.deepEqual(podDns(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), settings).nameservers, ['10.96.0.10']);
  const fallback = podDns(pod(), { ...settings, clusterDns: [] });
  assert.deepEqual(fallback.nameservers, ['192.0.2.53']);
  assert.match(fallback.warning ?? '', /does not have ClusterDNS IP configured/);
});

test('dnsConfig adds nameservers and searches (at most 3 and 32) and options replace by name; None is only dnsConfig', () => {
  const d = podDns(pod({ dnsConfig: { nameservers: ['192.0.2.1', '192.0.2.2', '192.0.2.3'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } }), settings);
  assert.deepEqual(d.nameservers, ['10.96.0.10', '192.0.2.1', '192.0.2.2']);
  assert.equal(d.searches.at(-1), 'a.example');
  assert.deepEqual(d.options, ['ndots:2', 'rotate']);
  assert.equal(resolvConfText(podDns(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.9'] } }), settings)), 'nameserver 192.0.2.9\n');
});
