// The server on real sockets: UDP and TCP, truncation, forwarding and its failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { ClusterZone, DnsServer } from '../src';
import { service, slice } from './fixtures';

function udpQuery(port: number, name: string, type: dnsPacket.RecordType, edns = false): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no answer for ${name}`));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(dnsPacket.decode(m));
    });
    const additionals = edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.Answer] : [];
    s.send(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }], additionals }), port, '127.0.0.1');
  });
}

function tcpQuery(port: number, name: string, type: dnsPacket.RecordType): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type, name }] })));
    let buf = Buffer.alloc(0);
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.end();
        resolve(dnsPacket.streamDecode(buf));
      }
    });
    sock.on('error', reject);
  });
}

test('UDP and TCP answers; a big headless answer is truncated over UDP without EDNS0 and whole over TCP or with EDNS0; FORMERR for junk', async () => {
  const zone = new ClusterZone();
  const many = Array.from({ length: 60 }, (_, i) => ({ ip: `10.244.9.${i + 1}` }));
  zone.update([service('web', 'default', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] }), service('big', 'default', { clusterIP: 'None', ports: [{ port: 1 }] })], [slice('big', 'default', many)], ['default']);
  const server = new DnsServer({ zone, port: 0, host: '127.0.0.1' });
  const { port } = await server.start();
  try {
    const a = await udpQuery(port, 'web.default.svc.cluster.local', 'A');
    assert.equal(a.id, 4242);
    assert.equal(a.flag_aa, true);
    assert.deepEqual(a.answers?.map((x) => (x as dnsPacket.StringAnswer).data), ['10.96.0.20']);
    const nx = await udpQuery(port, 'nope.default.svc.cluster.local', 'A');
    assert.equal((nx as unknown as { rcode: string }).rcode, 'NXDOMAIN');
    assert.equal(nx.authorities?.[0]?.type, 'SOA');
    const cut = await udpQuery(port, 'big.default.svc.cluster.local', 'A');
    assert.equal(cut.flag_tc, true);
    assert.equal(cut.answers?.length, 0);
    assert.equal((await udpQuery(port, 'big.default.svc.cluster.local', 'A', true)).answers?.length, 60, 'EDNS0 4096 bytes hold it');
    assert.equal((await tcpQuery(port, 'big.default.svc.cluster.local', 'A')).answers?.length, 60);
    // Junk gets FORMERR, and the server goes on.
    const junk = await new Promise<Buffer>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.on('message', (m) => {
        s.close();
        resolve(m);
      });
      s.send(Buffer.from([0x12, 0x34, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 1]), port, '127.0.0.1');
    });
    assert.equal(junk.readUInt16BE(0), 0x1234);
    assert.equal(junk.readUInt16BE(2) & 0xf, 1);
    assert.equal((await udpQuery(port, 'web.default.svc.cluster.local', 'A')).answers?.length, 1);
  } finally {
    await server.stop();
  }
});

test('names outside the zone: forwarded to the upstream resolver, SERVFAIL at once without one, SERVFAIL after the timeout when it is silent', async () => {
  const outside = new ClusterZone('example.test');
  outside.update([service('www', 'pub', { clusterIP: '192.0.2.80' })], [], ['pub']);
  const upstream = new DnsServer({ zone: outside, port: 0, host: '127.0.0.1' });
  const up = await upstream.start();
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  const zone = new ClusterZone();
  zone.update([], [], []);
  const forwarding = new DnsServer({ zone, port: 0, host: '127.0.0.1', upstream: { host: '127.0.0.1', port: up.port } });
  const alone = new DnsServer({ zone, port: 0, host: '127.0.0.1' });
  const stuck = new DnsServer({ zone, port: 0, host: '127.0.0.1', upstream: { host: '127.0.0.1', port: silent.address().port }, forwardTimeoutMs: 300 });
  const [f, a, s] = [await forwarding.start(), await alone.start(), await stuck.start()];
  try {
    const fwd = await udpQuery(f.port, 'www.pub.svc.example.test', 'A');
    assert.deepEqual(fwd.answers?.map((x) => (x as dnsPacket.StringAnswer).data), ['192.0.2.80']);
    assert.equal(fwd.id, 4242);
    assert.equal(((await udpQuery(a.port, 'example.org', 'A')) as unknown as { rcode: string }).rcode, 'SERVFAIL');
    assert.equal(((await udpQuery(s.port, 'example.org', 'A')) as unknown as { rcode: string }).rcode, 'SERVFAIL');
  } finally {
    silent.close();
    await Promise.all([upstream.stop(), forwarding.stop(), alone.stop(), stuck.stop()]);
  }
});
