import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePlan, machineRanges, overlaps } from '../src';
import { kubeletArgs, nodeHeartbeat } from '../src/daemon-args';
import { dockerdArgs } from '../src/dockerd';

test('the plan names hosts, addresses and sockets from the flags alone', () => {
  const p = makePlan({ nodes: 3, hostCidr: '10.240.0.0/24', clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16', stateDir: '/s' });
  assert.equal(p.masterIp, '10.240.0.1');
  assert.deepEqual(p.nodes.map((n) => [n.name, n.netns, n.ip]), [
    ['node-1', 'tk-node-1', '10.240.0.11'],
    ['node-2', 'tk-node-2', '10.240.0.12'],
    ['node-3', 'tk-node-3', '10.240.0.13'],
  ]);
  assert.ok(p.nodes.every((n) => n.dockerSocket.length < 100 && n.veth.length <= 15));
  assert.equal(p.cacheDir, '/s/cache');
  assert.throws(() => makePlan({ nodes: 3, hostCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16', stateDir: '/s' }), /--host-cidr 10\.244\.0\.0\/24 overlaps --cluster-cidr/);
  assert.throws(() => makePlan({ nodes: 0, hostCidr: '10.240.0.0/24', clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16', stateDir: '/s' }), /--nodes/);
  assert.throws(() => makePlan({ nodes: 1, hostCidr: '10.240.0.0/24', clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16', stateDir: '/s', prefix: 'Bad!' }), /--prefix/);
});

test('safety: every machine address, route and gateway that overlaps a cluster range is reported', () => {
  const addrs = [
    { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
    { ifname: 'eth0', addr_info: [{ family: 'inet', local: '192.0.2.2', prefixlen: 24 }, { family: 'inet6', local: 'fd00::2', prefixlen: 64 }] },
    { ifname: 'docker0', addr_info: [{ family: 'inet', local: '172.17.0.1', prefixlen: 16 }] },
    { ifname: 'tk-br0', addr_info: [{ family: 'inet', local: '10.240.0.1', prefixlen: 24 }] },
  ];
  const routes = [{ dst: 'default', gateway: '192.0.2.1', dev: 'eth0' }, { dst: '10.96.0.0/12', dev: 'vpn0' }, { dst: '10.240.0.0/24', dev: 'tk-br0' }];
  const machine = machineRanges(addrs, routes, new Set(['tk-br0']));
  assert.deepEqual(machine.map((m) => m.cidr).sort(), ['10.96.0.0/12', '127.0.0.0/8', '172.17.0.0/16', '192.0.2.0/24', '192.0.2.1/32']);
  const problems = overlaps({ '--host-cidr': '10.240.0.0/24', '--service-cidr': '10.96.0.0/16', '--cluster-cidr': '172.17.5.0/24' }, machine);
  assert.equal(problems.length, 2);
  assert.match(problems.join('\n'), /--service-cidr 10\.96\.0\.0\/16 overlaps the machine's route to 10\.96\.0\.0\/12 dev vpn0/);
  assert.match(problems.join('\n'), /--cluster-cidr 172\.17\.5\.0\/24 overlaps the machine's address 172\.17\.0\.1\/16 on docker0/);
  assert.equal(overlaps({ '--host-cidr': '192.0.2.0/25' }, machine).length, 2);
  assert.equal(overlaps({ '--host-cidr': '192.0.2.128/25' }, machine).length, 1);
});

test('node dockerds make no bridge, NAT or iptables rules and pull through the local registry', () => {
  const args = dockerdArgs({ name: 'dockerd-node-1', socket: '/run/x.sock', dataRoot: '/d', execRoot: '/e', registry: '10.240.0.1:5000', cgroup: 'tk-node-1' });
  for (const a of ['--bridge=none', '--iptables=false', '--ip-masq=false', '--registry-mirror=http://10.240.0.1:5000', '--insecure-registry=10.240.0.1:5000', '--host=unix:///run/x.sock']) assert.ok(args.includes(a), a);
});

test('the kubelet renews its lease four times per node-monitor grace period, and a grace shorter than three renewals is refused', () => {
  assert.deepEqual(nodeHeartbeat(), { leaseDuration: 40, renewInterval: 10, statusUpdateFrequency: 10 });
  assert.deepEqual(nodeHeartbeat(8), { leaseDuration: 8, renewInterval: 2, statusUpdateFrequency: 2 });
  assert.throws(() => nodeHeartbeat(8, 10), /at least three lease renewals/);
  assert.throws(() => nodeHeartbeat(0), /must be positive/);
  const args = kubeletArgs({ repoDir: '/r', apiserverGrpc: 'm:6444', nodeName: 'n', nodeIp: '10.0.0.1', dockerSocket: '/s', rootDir: '/k', clusterCidr: '10.244.0.0/16', pkiDir: '/p', nodeMonitorGracePeriod: 8 });
  assert.ok(args.includes('--lease-renew-interval=2'), args.join(' '));
});
