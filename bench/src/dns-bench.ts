// 7. Cluster DNS: queries/s and p99 through the kube-dns ClusterIP (tk-dns, the real zone)
// against a bare responder on the same library and the same path (two pods of the tk-dns image
// with --bare behind a ClusterIP of their own), from a pod on node-1; and how long a new
// Service takes to resolve after it is created.
import Docker from 'dockerode';
import { isPodReady, R, type Deployment, type Pod, type Service } from '@tinykube/api';
import type { Local } from './local-cluster';
import { deleteNamespace, freshNamespace, sh } from './local-cluster';
import { median, type Row } from './stats';

const NS = 'bench-dns';
const QUERIES = 5000;
const CONCURRENCY = 32;

// The load generator: raw UDP queries built by hand (A, IN), `concurrency` in flight, a
// retransmit after 1 s; prints qps and latency percentiles. No library: the same bytes go to both.
const CLIENT = `
const dgram = require('dgram');
const [server, name, n, conc] = [process.argv[1], process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const qname = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
const sock = dgram.createSocket('udp4');
const pending = new Map();
const lat = [];
let sent = 0, done = 0, failed = 0, id = 0;
const t0 = process.hrtime.bigint();
function send() {
  if (sent >= n) return;
  sent++;
  const q = Buffer.alloc(12 + qname.length + 4);
  const qid = (id = (id + 1) & 0xffff);
  q.writeUInt16BE(qid, 0); q.writeUInt16BE(0x0100, 2); q.writeUInt16BE(1, 4);
  qname.copy(q, 12); q.writeUInt16BE(1, 12 + qname.length); q.writeUInt16BE(1, 14 + qname.length);
  const start = process.hrtime.bigint();
  const timer = setInterval(() => sock.send(q, 53, server), 1000);
  pending.set(qid, { start, timer });
  sock.send(q, 53, server);
}
sock.on('message', (m) => {
  const p = pending.get(m.readUInt16BE(0));
  if (!p) return;
  clearInterval(p.timer);
  pending.delete(m.readUInt16BE(0));
  if ((m.readUInt16BE(2) & 0xf) !== 0 || m.readUInt16BE(6) === 0) failed++;
  lat.push(Number(process.hrtime.bigint() - p.start) / 1e6);
  if (++done === n) {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    lat.sort((a, b) => a - b);
    console.log(JSON.stringify({ qps: n / (ms / 1000), p50: lat[Math.floor(n * 0.5)], p99: lat[Math.floor(n * 0.99)], failed }));
    process.exit(0);
  }
  send();
});
for (let i = 0; i < conc; i++) send();
`;

// Polls a name every 5 ms until it has an answer; prints when (ms since the epoch, this host's clock).
const POLL = `
const dgram = require('dgram');
const [server, name] = [process.argv[1], process.argv[2]];
const qname = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
const sock = dgram.createSocket('udp4');
const t0 = Date.now();
const q = Buffer.alloc(12 + qname.length + 4);
q.writeUInt16BE(7, 0); q.writeUInt16BE(0x0100, 2); q.writeUInt16BE(1, 4);
qname.copy(q, 12); q.writeUInt16BE(1, 12 + qname.length); q.writeUInt16BE(1, 14 + qname.length);
sock.on('message', (m) => { if ((m.readUInt16BE(2) & 0xf) === 0 && m.readUInt16BE(6) > 0) { console.log(Date.now()); process.exit(0); } });
const tick = setInterval(() => { if (Date.now() - t0 > 30000) { console.log(-1); process.exit(0); } sock.send(q, 53, server); }, 5);
`;

export async function dnsBench(local: Local, log: (s: string) => void): Promise<Row[]> {
  const api = local.api;
  const dns = await api.get<Service>(R.services, 'kube-system', 'kube-dns').catch(() => undefined);
  if (!dns) {
    log('  no kube-dns Service (the cluster was made with --no-dns): skipped');
    return [];
  }
  await freshNamespace(api, NS);
  const bare: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bare', namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'bare' } },
      template: { metadata: { labels: { app: 'bare' } }, spec: { dnsPolicy: 'Default', containers: [{ name: 'bare', image: 'tk-dns:0.1.0', args: ['--bare'], readinessProbe: { httpGet: { path: '/readyz', port: 9153 }, periodSeconds: 1 } }] } },
    },
  };
  await api.create(R.deployments, bare);
  const bareSvc = await api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bare', namespace: NS }, spec: { selector: { app: 'bare' }, ports: [{ port: 53, protocol: 'UDP' }] } });
  await api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { ports: [{ port: 80 }] } });
  const clientNode = local.plan.nodes[0]!;
  await api.create<Pod>(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS }, spec: { nodeName: clientNode.name, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] }] } });
  for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
    const pods = (await api.list<Pod>(R.pods, NS)).items;
    if (pods.length === 3 && pods.every(isPodReady)) break;
  }
  const uid = (await api.get<Pod>(R.pods, NS, 'client')).metadata.uid;
  const docker = new Docker({ socketPath: clientNode.dockerSocket });
  const sandbox = (await docker.listContainers({ filters: { label: [`io.kubernetes.pod.uid=${uid}`, 'io.kubernetes.container.name=POD'] } }))[0]!;
  const pid = (await docker.getContainer(sandbox.Id).inspect()).State.Pid;
  const inClient = (script: string, args: string[]): Promise<string> => sh('nsenter', ['-t', String(pid), '-n', process.execPath, '-e', script, ...args]);
  const load = async (server: string, name: string, n = QUERIES): Promise<{ qps: number; p50: number; p99: number; failed: number }> => JSON.parse(await inClient(CLIENT, [server, name, String(n), String(CONCURRENCY)])) as { qps: number; p50: number; p99: number; failed: number };
  const name = `web.${NS}.svc.cluster.local`;
  // Warm both paths (rules, conntrack, JIT).
  await load(dns.spec.clusterIP!, name, 500);
  await load(bareSvc.spec.clusterIP!, name, 500);
  const real: { qps: number; p99: number }[] = [];
  const base: { qps: number; p99: number }[] = [];
  for (let r = 0; r < 3; r++) {
    const a = await load(dns.spec.clusterIP!, name);
    const b = await load(bareSvc.spec.clusterIP!, name);
    log(`  round ${r + 1}: kube-dns ${a.qps.toFixed(0)} q/s p99 ${a.p99.toFixed(2)} ms (failed ${a.failed}), bare ${b.qps.toFixed(0)} q/s p99 ${b.p99.toFixed(2)} ms`);
    real.push(a);
    base.push(b);
  }
  const qps = median(real.map((x) => x.qps));
  const bqps = median(base.map((x) => x.qps));
  const p99 = median(real.map((x) => x.p99));
  const bp99 = median(base.map((x) => x.p99));
  // A new Service: from the create to the first answer through kube-dns.
  const change: number[] = [];
  for (let i = 0; i < 10; i++) {
    const poll = inClient(POLL, [dns.spec.clusterIP!, `new-${i}.${NS}.svc.cluster.local`]);
    // The poller is asking (NXDOMAIN) before the Service exists.
    await new Promise((r) => setTimeout(r, 500));
    const created = Date.now();
    await api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: `new-${i}`, namespace: NS }, spec: { ports: [{ port: 80 }] } });
    const answered = Number((await poll).trim());
    change.push(answered < 0 ? NaN : answered - created);
  }
  await deleteNamespace(api, NS);
  return [
    { benchmark: 'dns', figure: `queries/s through kube-dns, ${CONCURRENCY} in flight`, value: qps, unit: '/s', baseline: bqps, baselineLabel: 'bare responder q/s, same path', ratio: qps / bqps },
    { benchmark: 'dns', figure: 'query p99 through kube-dns', value: p99, unit: 'ms', baseline: bp99, baselineLabel: 'bare responder p99 ms', ratio: p99 / bp99 },
    { benchmark: 'dns', figure: 'new Service to first answer, p50 of 10', value: median(change), unit: 'ms' },
  ];
}
