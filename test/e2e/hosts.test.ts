// Local hosts end to end: `up` makes 3 Ready node hosts with their own IPs and pod CIDRs, pods
// on different hosts reach each other by pod IP, unsafe ranges are refused, and `down` leaves
// the machine's namespaces, links, routes, iptables, processes and mounts as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { getCondition, R, SIGNERS, type CertificateSigningRequest, type Lease, type Node, type Pod, type Secret, type Stored } from '@tinykube/api';
import { tlsFetch } from '@tinykube/client';
import { Etcd3 } from 'etcd3';
import { Daemons, makePlan, up } from '@tinykube/hosts';
import { REPO_DIR, run, startCluster, testPlanOptions, waitFor, type LocalCluster } from '../helpers';

interface MachineState {
  netns: string;
  links: string[];
  routes: string;
  iptables: string;
  processes: string[];
  mounts: string[];
}

/** What `down` must restore: ours are the only things that may differ in between. */
async function machineState(): Promise<MachineState> {
  const ours = /tinykube|dockerd|containerd|etcd|docker-registry/;
  const processes: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (ours.test(cmd)) processes.push(`${pid} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return {
    netns: await run('ip', ['netns', 'list']),
    links: (await run('ip', ['-o', 'link', 'show'])).split('\n').map((l) => l.split(':')[1]?.trim() ?? '').filter(Boolean).sort(),
    routes: await run('ip', ['route', 'show', 'table', 'all']),
    iptables: (await run('iptables-save', [])).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n'),
    processes: processes.sort(),
    mounts: fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes('tinykube') || l.includes('/run/netns')).sort(),
  };
}

let before_: MachineState;
let cluster: LocalCluster;

before(async () => {
  before_ = await machineState();
  // Certificates of a minute: the kubelets rotate theirs while this file runs.
  cluster = await startCluster({ nodes: 3, certificateLifetime: '60s' });
});

after(async () => {
  await cluster?.down();
});

test('three Ready nodes with distinct IPs and pod CIDRs, seen by tkctl and kubectl', async () => {
  const nodes = (await cluster.api.list<Node>(R.nodes)).items;
  assert.equal(nodes.length, 3);
  for (const n of nodes) assert.equal(getCondition(n.status?.conditions, 'Ready')?.status, 'True', n.metadata.name);
  const ips = new Set(nodes.map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address));
  const cidrs = new Set(nodes.map((n) => n.spec?.podCIDR));
  assert.equal(ips.size, 3);
  assert.equal(cidrs.size, 3);
  for (const c of cidrs) assert.match(c ?? '', /^10\.245\.\d+\.0\/24$/);
  const tkctl = await run(process.execPath, [path.join(REPO_DIR, 'packages/ctl/dist/src/main.js'), 'get', 'nodes', '--kubeconfig', cluster.kubeconfig]);
  const kubectl = await run('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', 'nodes']);
  for (const out of [tkctl, kubectl]) {
    assert.equal(out.trim().split('\n').filter((l) => / Ready /.test(l)).length, 3, out);
  }
  const file = JSON.parse(fs.readFileSync(path.join(cluster.plan.stateDir, 'cluster.json'), 'utf8')) as { nodes: { name: string; ip: string; podCIDR: string; netns: string; dockerSocket: string }[] };
  assert.deepEqual(file.nodes.map((n) => n.name).sort(), ['node-1', 'node-2', 'node-3']);
  assert.ok(file.nodes.every((n) => n.podCIDR && n.ip && n.netns && n.dockerSocket));
});

test('node hosts have no default route; the service CIDR goes to a sink', async () => {
  for (const n of cluster.plan.nodes) {
    const routes = await run('ip', ['-n', n.netns, 'route', 'show']);
    assert.doesNotMatch(routes, /^default/m, n.name);
    assert.match(routes, new RegExp(`^10\\.97\\.0\\.0/16 dev ${cluster.plan.serviceDummy}`, 'm'));
  }
  assert.match(await run('ip', ['route', 'show']), new RegExp(`^10\\.97\\.0\\.0/16 dev ${cluster.plan.serviceDummy}`, 'm'));
});

test('a pod on one host reaches a pod on another by pod IP', async () => {
  const server: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'server', namespace: 'default' },
    spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'busybox:1.35', command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'] }] },
  };
  await cluster.api.create(R.pods, server);
  const ready = await cluster.waitForPod('default', 'server', (p) => p.status?.phase === 'Running' && !!p.status.podIP, 'running');
  const client: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'client', namespace: 'default' },
    spec: { nodeName: 'node-2', restartPolicy: 'Never', containers: [{ name: 'get', image: 'busybox:1.35', command: ['timeout', '10', 'wget', '-qO-', `http://${ready.status!.podIP}:8080/`] }] },
  };
  await cluster.api.create(R.pods, client);
  const done = await cluster.waitForPod('default', 'client', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 'finished');
  assert.equal(done.status?.phase, 'Succeeded');
  assert.equal((await cluster.log('default', 'client')).trim(), 'server');
  // And from the host of node-3 straight to the pod on node-1 (host-gw routes).
  assert.equal((await cluster.onNode('node-3', 'busybox', ['wget', '-qO-', `http://${ready.status!.podIP}:8080/`])).trim(), 'server');
});

test('no address of a cluster range resolves to the machine\'s default route, from the root namespace or any node', async () => {
  const defaults = JSON.parse(await run('ip', ['-j', 'route', 'show', 'default'])) as { gateway?: string; dev?: string }[];
  const server = await cluster.api.get<Pod>(R.pods, 'default', 'server');
  const node1 = cluster.plan.nodes[0]!;
  // Assigned and unassigned addresses of each range: a node, a pod, a Service, and nobody's.
  const addresses = [node1.ip, '10.241.0.200', server.status!.podIP!, '10.245.250.7', '10.97.0.1', '10.97.200.9'];
  const ours = new Set([cluster.plan.bridge, cluster.plan.serviceDummy, 'eth0', 'tk-pods', 'lo']);
  const where = [{ name: 'root', args: [] as string[] }, ...cluster.plan.nodes.map((n) => ({ name: n.name, args: ['-n', n.netns] }))];
  for (const w of where) {
    for (const a of addresses) {
      const [route] = JSON.parse(await run('ip', [...w.args, '-j', 'route', 'get', a])) as { dev: string; gateway?: string }[];
      assert.ok(route, `${w.name}: ${a} has a route`);
      assert.ok(ours.has(route.dev), `${w.name}: ${a} goes to ${route.dev}`);
      if (w.name === 'root') for (const d of defaults) assert.ok(route.gateway !== d.gateway && route.dev !== d.dev, `${w.name}: ${a} resolves to the default route (${JSON.stringify(route)})`);
    }
  }
  // The master reaches a pod, and a connect to nobody's pod address fails here, at once or by its bound.
  assert.equal((await run('busybox', ['timeout', '5', 'wget', '-qO-', `http://${server.status!.podIP}:8080/`])).trim(), 'server');
  const script = "require('net').connect(80, '10.245.250.7').on('connect', () => console.log('connected')).on('error', (e) => console.log(e.code)).setTimeout(4000, function () { console.log('timeout'); this.destroy(); });";
  assert.match((await run(process.execPath, ['-e', script])).trim(), /^(EHOSTUNREACH|timeout)$/);
});

test('etcd listens on loopback only; the apiserver serves only TLS, and nothing without a client certificate', async () => {
  const etcd = (await run('ss', ['-Hltnp'])).split('\n').filter((l) => l.includes('"etcd"'));
  assert.ok(etcd.length >= 2, etcd.join('\n'));
  for (const l of etcd) assert.match(l.split(/\s+/)[3] ?? '', /^127\.0\.0\.1:/, l);
  const plain = await fetch(cluster.file.apiserver.replace('https://', 'http://') + '/version').then(
    (r) => `answered ${r.status}`,
    () => 'refused',
  );
  assert.notEqual(plain, 'answered 200', 'plain HTTP is not served');
  const anonymous = await tlsFetch({ ca: cluster.api.tls.ca })(`${cluster.file.apiserver}/api/v1/nodes`);
  assert.equal(anonymous.status, 401);
});

test('etcd holds no plaintext Secret: the apiserver encrypts Secrets with the key made at install; the audit log records who made it', async () => {
  await cluster.api.create<Secret>(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'e2e-at-rest', namespace: 'default' }, stringData: { password: 'e2e-plaintext-value' } });
  const etcd = new Etcd3({ hosts: cluster.plan.etcdClientUrl });
  try {
    const stored = (await etcd.get('/registry/secrets/default/e2e-at-rest').buffer())!;
    assert.equal(stored.subarray(0, 23).toString(), 'k8s:enc:aescbc:v1:key1:');
    assert.ok(!stored.includes('e2e-plaintext-value') && !stored.includes(Buffer.from('e2e-plaintext-value').toString('base64')));
  } finally {
    etcd.close();
  }
  assert.equal((await cluster.api.get<Secret>(R.secrets, 'default', 'e2e-at-rest')).data?.['password'], Buffer.from('e2e-plaintext-value').toString('base64'));
  // The audit log says who made it, and not what it holds.
  const audit = fs.readFileSync(path.join(testPlanOptions(3).stateDir, 'logs', 'audit.log'), 'utf8');
  const made = audit.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { verb: string; level: string; user: { username: string }; objectRef?: { resource: string; name?: string } }).find((e) => e.verb === 'create' && e.objectRef?.resource === 'secrets' && e.objectRef.name === 'e2e-at-rest');
  assert.equal(made?.user.username, 'kubernetes-admin');
  assert.equal(made?.level, 'Metadata');
  assert.ok(!audit.includes('e2e-plaintext-value'));
});

/** The certificate a node's kubelet serves on :10250, verified against the cluster CA and its IP. */
function servedCertificate(ip: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: ip, port: 10250, ca: cluster.api.tls.ca }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.on('error', reject);
  });
}

test('nodes join by token discovery; the kubelet client, kubelet serving and tk-proxy certificates come from CSRs and are rotated without losing the node', async () => {
  const csrs = async (): Promise<Stored<CertificateSigningRequest>[]> => (await cluster.api.list<CertificateSigningRequest>(R.csrs)).items;
  const issued = (c: CertificateSigningRequest): X509Certificate => new X509Certificate(Buffer.from(c.status!.certificate!, 'base64'));
  for (const n of cluster.plan.nodes) {
    const joined = (await csrs()).find((c) => c.spec.username?.startsWith('system:bootstrap:') && c.metadata.name.startsWith(`node-csr-${n.name}-`));
    assert.ok(joined, `${n.name} joined with the token`);
    assert.equal(joined.status?.conditions?.find((c) => c.type === 'Approved')?.reason, 'AutoApproved');
    assert.deepEqual(issued(joined).subject.split('\n').sort(), [`CN=system:node:${n.name}`, 'O=system:nodes']);
    // The serving certificate: asked by the node itself, naming its address; the one :10250 presents.
    const serving = await waitFor(async () => (await csrs()).find((c) => c.spec.signerName === SIGNERS.kubeletServing && c.spec.username === `system:node:${n.name}` && c.status?.certificate), { timeoutMs: 30_000, what: `${n.name}'s serving certificate` });
    assert.equal(issued(serving).checkIP(n.ip), n.ip);
    assert.equal((await servedCertificate(n.ip)).checkIP(n.ip), n.ip, 'verified against the CA, for the node IP');
    const proxy = (await csrs()).find((c) => c.metadata.name.startsWith(`csr-kube-proxy-${n.name}-`) && c.status?.certificate);
    assert.ok(proxy, `${n.name}'s tk-proxy got a certificate`);
    assert.equal(issued(proxy).subject, 'CN=system:kube-proxy');
  }
  // Renewals: by the node itself with the certificate it holds; the kubelet then serves the new one.
  const renewed = await waitFor(async () => (await csrs()).find((c) => c.spec.username === 'system:node:node-1' && c.spec.signerName === SIGNERS.kubeletClient && c.status?.certificate), { timeoutMs: 120_000, intervalMs: 1000, what: 'node-1 renewing its certificate' });
  const after = Date.parse(renewed.metadata.creationTimestamp);
  await waitFor(async () => {
    const lease = await cluster.api.get<Lease>(R.leases, 'kube-node-lease', 'node-1');
    return Date.parse(lease.spec.renewTime ?? '') > after + 1000 ? lease : undefined;
  }, { timeoutMs: 30_000, what: 'a lease renewal on the new certificate' });
  const node1 = cluster.plan.nodes[0]!;
  const servingCsrs = async () => (await csrs()).filter((c) => c.spec.signerName === SIGNERS.kubeletServing && c.spec.username === 'system:node:node-1' && c.status?.certificate);
  const first = issued((await servingCsrs()).sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp))[0]!).serialNumber;
  await waitFor(async () => {
    const serials = new Set((await servingCsrs()).map((c) => issued(c).serialNumber));
    const served = (await servedCertificate(node1.ip)).serialNumber;
    return served !== first && serials.has(served) ? served : undefined;
  }, { timeoutMs: 120_000, intervalMs: 1000, what: ':10250 serving a renewed certificate' });
  const node = await cluster.api.get<Node>(R.nodes, undefined, 'node-1');
  assert.equal(getCondition(node.status?.conditions, 'Ready')?.status, 'True');
  const log = fs.readFileSync(path.join(testPlanOptions(3).stateDir, 'logs', 'kubelet-node-1.log'), 'utf8');
  assert.match(log, /"certificate":"kubelet-client"[^\n]*"msg":"certificate rotated"/);
  assert.match(log, /"certificate":"kubelet-server"[^\n]*"msg":"certificate rotated"/);
});

test('ranges that overlap the machine are refused before anything is created', async () => {
  const opts = { ...testPlanOptions(1), prefix: 'tkx', stateDir: path.join(REPO_DIR, '.tinykube', 'e2e-refused'), etcdPort: 2579 };
  const links = await run('ip', ['-o', 'link', 'show']);
  await assert.rejects(up({ ...opts, repoDir: REPO_DIR }), /overlaps the machine's .*10\.241\.0\.0\/24/s);
  assert.equal(await run('ip', ['-o', 'link', 'show']), links);
  assert.ok(!fs.existsSync(`/run/netns/${makePlan(opts).nodes[0]!.netns}`));
  fs.rmSync(opts.stateDir, { recursive: true, force: true });
});

test('kill -9 of any daemon: its supervisor has it back within 5 s, says so in its log, and the cluster is whole again', async () => {
  const daemons = new Daemons(cluster.plan.stateDir);
  const names = ['etcd', 'apiserver', 'scheduler', 'controller-manager', 'registry', 'kubelet-node-1', 'proxy-node-1'];
  for (const name of names) {
    const old = daemons.running(name);
    assert.ok(old, `${name} runs`);
    process.kill(old, 'SIGKILL');
    const back = await waitFor(() => {
      const pid = daemons.running(name);
      return pid && pid !== old ? pid : undefined;
    }, { timeoutMs: 5000, intervalMs: 50, what: `${name} to be restarted` });
    assert.notEqual(back, old);
    assert.match(fs.readFileSync(daemons.logFile(name), 'utf8'), new RegExp(`tk-supervise: ${name} exited \\(signal SIGKILL\\)`));
  }
  await waitFor(async () => {
    const nodes = (await cluster.api.list<Node>(R.nodes)).items;
    return nodes.length === 3 && nodes.every((n) => getCondition(n.status?.conditions, 'Ready')?.status === 'True');
  }, { timeoutMs: 60_000, what: 'every node Ready after the restarts' });
});

test('down leaves the machine as it was before up', async () => {
  await cluster.down();
  const now = await machineState();
  assert.deepEqual(now, before_);
});
