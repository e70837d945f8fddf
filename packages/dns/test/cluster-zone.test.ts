import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterZone } from '../src';
import { service, slice } from './fixtures';

function zone(): ClusterZone {
  const z = new ClusterZone('cluster.local');
  z.update(
    [
      service('web', 'default', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }, { port: 81 }] }),
      service('redis', 'default', { clusterIP: 'None', ports: [{ name: 'redis', port: 6379 }] }),
      service('empty', 'default', { clusterIP: 'None', ports: [{ port: 1 }] }),
      service('ext', 'default', { type: 'ExternalName', externalName: 'www.example.com' }),
    ],
    [slice('redis', 'default', [{ ip: '10.244.1.5', hostname: 'redis-0' }, { ip: '10.244.2.6', hostname: 'redis-1' }, { ip: '10.244.3.7', hostname: 'redis-2', ready: false }, { ip: '10.244.1.9' }])],
    ['default', 'kube-system'],
  );
  return z;
}

const data = (l: ReturnType<ClusterZone['resolve']>): unknown[] => l.answers.map((a) => a.data);

test('a ClusterIP Service: A, SRV for named ports only, PTR; case-insensitive', () => {
  const z = zone();
  assert.deepEqual(data(z.resolve('web.default.svc.cluster.local', 'A')), ['10.96.0.20']);
  assert.deepEqual(data(z.resolve('WEB.Default.SVC.cluster.local.', 'A')), ['10.96.0.20']);
  assert.deepEqual(data(z.resolve('_http._tcp.web.default.svc.cluster.local', 'SRV')), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
  assert.equal(z.resolve('_http._tcp.web.default.svc.cluster.local', 'SRV').additionals[0]?.data, '10.96.0.20');
  assert.equal(z.resolve('_http._udp.web.default.svc.cluster.local', 'SRV').rcode, 'NXDOMAIN');
  assert.deepEqual(data(z.resolve('20.0.96.10.in-addr.arpa', 'PTR')), ['web.default.svc.cluster.local']);
});

test('a headless Service: the ready endpoints, each hostname, SRV per endpoint, PTR of endpoints; none ready is NXDOMAIN', () => {
  const z = zone();
  assert.deepEqual(data(z.resolve('redis.default.svc.cluster.local', 'A')), ['10.244.1.5', '10.244.1.9', '10.244.2.6']);
  assert.deepEqual(data(z.resolve('redis-0.redis.default.svc.cluster.local', 'A')), ['10.244.1.5']);
  assert.equal(z.resolve('redis-2.redis.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN', 'not ready');
  assert.deepEqual(data(z.resolve('10-244-1-9.redis.default.svc.cluster.local', 'A')), ['10.244.1.9'], 'no hostname: the dashed IP, as CoreDNS');
  assert.deepEqual(
    z.resolve('_redis._tcp.redis.default.svc.cluster.local', 'SRV').answers.map((a) => (a.data as { target: string }).target),
    ['redis-0.redis.default.svc.cluster.local', '10-244-1-9.redis.default.svc.cluster.local', 'redis-1.redis.default.svc.cluster.local'],
  );
  assert.deepEqual(data(z.resolve('5.1.244.10.in-addr.arpa', 'PTR')), ['redis-0.redis.default.svc.cluster.local']);
  assert.equal(z.resolve('empty.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
});

test('NXDOMAIN for names that do not exist, NODATA (NOERROR, no answer, the SOA) for names that do; ExternalName is a CNAME; dns-version', () => {
  const z = zone();
  for (const [name, type] of [['nope.default.svc.cluster.local', 'A'], ['web.nowhere.svc.cluster.local', 'A'], ['x.web.default.svc.cluster.local', 'A'], ['foo.cluster.local', 'A']] as const) {
    const l = z.resolve(name, type);
    assert.equal(l.rcode, 'NXDOMAIN', name);
    assert.equal(l.authority[0]?.type, 'SOA');
  }
  for (const [name, type] of [['web.default.svc.cluster.local', 'AAAA'], ['default.svc.cluster.local', 'A'], ['svc.cluster.local', 'A'], ['cluster.local', 'A']] as const) {
    const l = z.resolve(name, type);
    assert.deepEqual([l.rcode, l.answers.length, l.authority[0]?.type], ['NOERROR', 0, 'SOA'], `${name} ${type}`);
  }
  assert.deepEqual(z.resolve('ext.default.svc.cluster.local', 'A').answers, [{ name: 'ext.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'www.example.com' }]);
  assert.deepEqual(data(z.resolve('dns-version.cluster.local', 'TXT')), [['1.1.0']]);
  assert.deepEqual(data(z.resolve('10-244-1-5.default.pod.cluster.local', 'A')), ['10.244.1.5']);
  assert.equal(z.resolve('example.org', 'A').inZone, false);
  assert.equal(z.resolve('9.9.9.9.in-addr.arpa', 'PTR').inZone, false, 'an IP the cluster does not know is asked elsewhere');
});
