import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32, endpointChain, render, serviceChain, servicePorts, slicesByService, type ServicePortInfo } from '../src';
import type { EndpointSlice, Service } from '@tinykube/api';

const CIDR = '10.244.0.0/16';
const none = new Set<string>();

function svc(name: string, endpoints: { ip: string; port: number }[], extra: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return { name: `default/${name}:http`, clusterIP: '10.96.0.10', port: 80, protocol: 'TCP', endpoints, ...extra };
}

test('chain names are upstream-shaped and fit 28 characters', () => {
  assert.equal(base32(Buffer.from('foobar')), 'MZXW6YTBOI');
  const c = serviceChain('default/web:http', 'TCP');
  assert.match(c, /^KUBE-SVC-[A-Z2-7]{16}$/);
  assert.ok(c.length <= 28);
  assert.notEqual(endpointChain('default/web:http', 'TCP', '10.244.1.2:80'), endpointChain('default/web:http', 'TCP', '10.244.1.3:80'));
  assert.equal(serviceChain('default/web:http', 'TCP'), serviceChain('default/web:http', 'tcp'));
});

test('a service without endpoints is rejected in the filter table and gets no nat chains', () => {
  const out = render([svc('empty', [])], { clusterCidr: CIDR, existingChains: none });
  assert.match(out.text, /^-A KUBE-SERVICES -m comment --comment "default\/empty:http has no endpoints" -d 10\.96\.0\.10\/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable$/m);
  assert.doesNotMatch(out.text, /KUBE-SVC-/);
  assert.equal(out.chains.size, 0);
});

test('one endpoint: a jump, masquerade for outside traffic, hairpin mark and DNAT — exact text', () => {
  const out = render([svc('one', [{ ip: '10.244.1.5', port: 8080 }])], { clusterCidr: CIDR, existingChains: none });
  const s = serviceChain('default/one:http', 'TCP');
  const e = endpointChain('default/one:http', 'TCP', '10.244.1.5:8080');
  const nat = out.text.slice(out.text.indexOf('*nat'));
  assert.equal(
    nat,
    [
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-POSTROUTING - [0:0]',
      ':KUBE-MARK-MASQ - [0:0]',
      `:${s} - [0:0]`,
      `:${e} - [0:0]`,
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      `-A KUBE-SERVICES -m comment --comment "default/one:http cluster IP" -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j ${s}`,
      `-A ${s} -m comment --comment "default/one:http cluster IP" ! -s ${CIDR} -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ`,
      `-A ${s} -m comment --comment "default/one:http -> 10.244.1.5:8080" -j ${e}`,
      `-A ${e} -m comment --comment "default/one:http" -s 10.244.1.5/32 -j KUBE-MARK-MASQ`,
      `-A ${e} -m comment --comment "default/one:http" -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080`,
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      'COMMIT',
      '',
    ].join('\n'),
  );
});

test('n endpoints: endpoint i of n is taken with probability 1/(n-i), the last one unconditionally', () => {
  const eps = [1, 2, 3, 4].map((i) => ({ ip: `10.244.${i}.2`, port: 80 }));
  const out = render([svc('four', eps)], { clusterCidr: CIDR, existingChains: none });
  const s = serviceChain('default/four:http', 'TCP');
  const jumps = out.text.split('\n').filter((l) => l.startsWith(`-A ${s}`) && l.includes('KUBE-SEP-'));
  assert.equal(jumps.length, 4);
  assert.match(jumps[0]!, /--probability 0\.2500000000 -j KUBE-SEP-/);
  assert.match(jumps[1]!, /--probability 0\.3333333333 -j KUBE-SEP-/);
  assert.match(jumps[2]!, /--probability 0\.5000000000 -j KUBE-SEP-/);
  assert.doesNotMatch(jumps[3]!, /statistic/);
  assert.equal(out.chains.size, 5);
});

test('NodePort, session affinity and UDP', () => {
  const out = render(
    [svc('np', [{ ip: '10.244.1.5', port: 53 }], { protocol: 'UDP', port: 53, nodePort: 30053, sessionAffinitySeconds: 600 })],
    { clusterCidr: CIDR, existingChains: none },
  );
  const s = serviceChain('default/np:http', 'UDP');
  const e = endpointChain('default/np:http', 'UDP', '10.244.1.5:53');
  assert.match(out.text, new RegExp(`^-A KUBE-NODEPORTS -m comment --comment "default/np:http" -p udp -m udp --dport 30053 -j KUBE-MARK-MASQ$`, 'm'));
  assert.match(out.text, new RegExp(`^-A KUBE-NODEPORTS -m comment --comment "default/np:http" -p udp -m udp --dport 30053 -j ${s}$`, 'm'));
  assert.match(out.text, new RegExp(`^-A ${s} .*-m recent --name ${e} --mask 255\\.255\\.255\\.255 --rsource --rcheck --seconds 600 --reap -j ${e}$`, 'm'));
  assert.match(out.text, new RegExp(`^-A ${e} .*-p udp -m udp -m recent --name ${e} --mask 255\\.255\\.255\\.255 --rsource --set -j DNAT --to-destination 10\\.244\\.1\\.5:53$`, 'm'));
  const empty = render([svc('np', [], { nodePort: 30080 })], { clusterCidr: CIDR, existingChains: none });
  assert.match(empty.text, /^-A KUBE-EXTERNAL-SERVICES .*--dst-type LOCAL -p tcp -m tcp --dport 30080 -j REJECT/m);
});

test('a partial sync writes only the changed service chains and deletes stale ones', () => {
  const a = svc('a', [{ ip: '10.244.1.2', port: 80 }]);
  const b = svc('b', [{ ip: '10.244.1.3', port: 80 }, { ip: '10.244.2.3', port: 80 }]);
  const full = render([a, b], { clusterCidr: CIDR, existingChains: none });
  const gone = endpointChain('default/b:http', 'TCP', '10.244.2.3:80');
  const bNow = { ...b, endpoints: [b.endpoints[0]!] };
  const partial = render([a, bNow], { clusterCidr: CIDR, changed: new Set(['default/b:http']), existingChains: full.chains });
  const declared = partial.text.split('\n').filter((l) => l.startsWith(':KUBE-SVC-') || l.startsWith(':KUBE-SEP-')).map((l) => l.slice(1).split(' ')[0]);
  const aChains = [serviceChain('default/a:http', 'TCP'), endpointChain('default/a:http', 'TCP', '10.244.1.2:80')];
  for (const c of aChains) {
    assert.ok(!declared.includes(c), `${c} is not rewritten`);
    assert.ok(!partial.text.includes(`-A ${c} `), `${c} gets no rules`);
  }
  assert.ok(declared.includes(serviceChain('default/b:http', 'TCP')));
  assert.ok(declared.includes(gone), 'the stale chain is flushed');
  assert.match(partial.text, new RegExp(`^-X ${gone}$`, 'm'));
  // KUBE-SERVICES still jumps to the unchanged service.
  assert.ok(partial.text.includes(`-j ${aChains[0]}`));
  assert.ok(Buffer.byteLength(partial.text) < Buffer.byteLength(full.text));
});

test('the model: ready endpoints of every slice by port name, terminating ones only when none is ready; headless and ExternalName services get none', () => {
  const services: Service[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'd' }, spec: { clusterIP: '10.96.0.1', type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30001 }, { name: 'dns', port: 53, protocol: 'UDP' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'd' }, spec: { clusterIP: 'None', ports: [{ port: 5432 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'd' }, spec: { type: 'ExternalName', externalName: 'example.org' } },
  ];
  const slice = (name: string, endpoints: EndpointSlice['endpoints']): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'd', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }],
    endpoints,
  });
  const ready = { ready: true, serving: true, terminating: false };
  // Two slices of one Service; an unready and a terminating endpoint are left out while ready ones exist.
  const slices = [
    slice('web-a', [{ addresses: ['10.244.2.2'], conditions: ready }, { addresses: ['10.244.3.3'], conditions: { ready: false, serving: false, terminating: false } }]),
    slice('web-b', [{ addresses: ['10.244.1.2'], conditions: ready }, { addresses: ['10.244.4.4'], conditions: { ready: false, serving: true, terminating: true } }]),
  ];
  const model = servicePorts(services, slicesByService(slices));
  assert.deepEqual(
    model.map((p) => [p.name, p.protocol, p.nodePort, p.endpoints.map((e) => `${e.ip}:${e.port}`)]),
    [
      ['d/web:http', 'TCP', 30001, ['10.244.1.2:8080', '10.244.2.2:8080']],
      ['d/web:dns', 'UDP', undefined, ['10.244.1.2:5353', '10.244.2.2:5353']],
    ],
  );
  // With no ready endpoint left, the serving terminating ones take the traffic, as kube-proxy does.
  const draining = servicePorts(services, slicesByService([slice('web-a', [{ addresses: ['10.244.4.4'], conditions: { ready: false, serving: true, terminating: true } }, { addresses: ['10.244.3.3'], conditions: { ready: false, serving: false, terminating: true } }])]));
  assert.deepEqual(draining[0]!.endpoints, [{ ip: '10.244.4.4', port: 8080 }]);
});
