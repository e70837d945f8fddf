// kube-proxy end to end: real iptables in the node hosts, real containers answering with their
// hostnames, traffic from a pod on another host.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, type Deployment, type EndpointSlice, type Endpoints, type Pod, type Service } from '@tinykube/api';
import { Daemons } from '@tinykube/hosts';
import { hostnameServers, run, startCluster, waitFor, type LocalCluster } from '../helpers';

let cluster: LocalCluster;
let clusterIP = '';
const NS = 'default';

before(async () => {
  cluster = await startCluster({ nodes: 3 });
  const web = hostnameServers('web', NS, 3, ['node-2', 'node-3'], 3);
  await cluster.api.create(R.deployments, web);
  const svc = await cluster.api.create<Service>(R.services, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: NS },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
  });
  clusterIP = svc.spec.clusterIP!;
  await readyEndpoints(3);
});

after(async () => {
  await cluster?.down();
});

/** The ready endpoints of the web Service's EndpointSlices, which tk-proxy programs. */
async function readySliceEndpoints(): Promise<NonNullable<EndpointSlice['endpoints']>> {
  const slices = (await cluster.api.list<EndpointSlice>(R.endpointslices, NS, { labelSelector: 'kubernetes.io/service-name=web' })).items;
  return slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
}

async function readyEndpoints(n: number): Promise<NonNullable<EndpointSlice['endpoints']>> {
  return waitFor(
    async () => {
      const ready = await readySliceEndpoints();
      return ready.length === n ? ready : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: `${n} ready endpoints` },
  );
}

/** When node's tk-proxy last finished a sync (from its /metrics). */
async function lastSync(node: string): Promise<number> {
  const ip = cluster.plan.nodes.find((n) => n.name === node)!.ip;
  const text = await (await fetch(`http://${ip}:10249/metrics`)).text();
  return Number(/^kubeproxy_sync_proxy_rules_last_timestamp_seconds (\S+)$/m.exec(text)?.[1] ?? 0) * 1000;
}

let clients = 0;
/** A pod on node-1 sending `count` requests to the Service, one line per answer (or FAIL). */
async function startClient(count: number, target = `${clusterIP}:80`): Promise<string> {
  const name = `client-${++clients}`;
  await cluster.api.create<Pod>(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      nodeName: 'node-1',
      restartPolicy: 'Never',
      containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', `i=0; while [ $i -lt ${count} ]; do timeout 5 wget -qO- http://${target}/ 2>/dev/null || echo FAIL; i=$((i+1)); done`] }],
    },
  });
  return name;
}

async function clientLines(name: string): Promise<string[]> {
  return (await cluster.log(NS, name)).split('\n').filter(Boolean);
}

async function finished(name: string): Promise<string[]> {
  await cluster.waitForPod(NS, name, (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 'finished', 240_000);
  return clientLines(name);
}

function counts(lines: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

test('3,000 requests from host A spread uniformly over 3 pods on hosts B and C', async () => {
  const pods = (await cluster.api.list<Pod>(R.pods, NS, { labelSelector: 'app=web' })).items;
  assert.deepEqual([...new Set(pods.map((p) => p.spec.nodeName))].sort(), ['node-2', 'node-3']);
  const lines = await finished(await startClient(3000));
  assert.equal(lines.length, 3000);
  const c = counts(lines);
  assert.equal(c.get('FAIL'), undefined, 'every request answered');
  assert.deepEqual([...c.keys()].sort(), pods.map((p) => p.metadata.name).sort());
  // Chi-square against uniform, 2 degrees of freedom: p > 0.01 <=> statistic < 9.21.
  const expected = 1000;
  const chi2 = [...c.values()].reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
  assert.ok(chi2 < 9.21, `chi-square ${chi2.toFixed(2)} for ${JSON.stringify([...c])}`);
});

test('scaled to 5, the new pods get traffic', async () => {
  await cluster.api.patch(R.deployments, NS, 'web', 'merge', { spec: { replicas: 5 } });
  await readyEndpoints(5);
  const started = Date.now();
  await waitFor(async () => (await lastSync('node-1')) >= started, { what: 'node-1 proxy sync' });
  const lines = await finished(await startClient(500));
  const c = counts(lines);
  assert.equal(c.get('FAIL'), undefined);
  assert.equal(c.size, 5, JSON.stringify([...c]));
  // kubectl reads the slices as in Kubernetes.
  const table = await run('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
  assert.match(table, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
  assert.match(table, /^web-[a-z0-9]{5}\s+IPv4\s+\d+\s+(\d+\.){3}\d+,(\d+\.){3}\d+,(\d+\.){3}\d+ \+ 2 more\.\.\.\s+\S+$/m);
});

test('a pod deleted while requests run gets none once withdrawn, and no request fails', async () => {
  const client = await startClient(1500);
  await waitFor(async () => (await clientLines(client)).length > 100, { timeoutMs: 60_000, what: 'client traffic' });
  const victim = (await cluster.api.list<Pod>(R.pods, NS, { labelSelector: 'app=web' })).items[0]!;
  await cluster.api.delete(R.pods, NS, victim.metadata.name);
  const withdrawn = Date.now();
  await waitFor(async () => !(await readySliceEndpoints()).some((e) => e.targetRef?.name === victim.metadata.name), { what: 'the endpoint withdrawn' });
  await waitFor(async () => (await lastSync('node-1')) >= withdrawn, { what: 'node-1 rules without it' });
  const mark = (await clientLines(client)).length;
  const lines = await finished(client);
  assert.equal(counts(lines).get('FAIL'), undefined, 'no request failed');
  assert.ok(!lines.slice(mark).includes(victim.metadata.name), 'no request reached the withdrawn pod');
  await readyEndpoints(5);
});

test('a rolling update of pods with a readiness probe and a preStop hook: no request through the ClusterIP fails', async () => {
  const old = (await cluster.api.list<Pod>(R.pods, NS, { labelSelector: 'app=web' })).items;
  const before = new Set(old.map((p) => p.metadata.name));
  const oldIps = old.map((p) => p.status?.podIP).filter((ip): ip is string => !!ip);
  // Runs until deleted below, so the traffic covers the whole rollout whatever its pace.
  const client = await startClient(1_000_000);
  await waitFor(async () => (await clientLines(client)).length > 100, { timeoutMs: 60_000, what: 'client traffic' });
  const dep = await cluster.api.patch<Deployment>(R.deployments, NS, 'web', 'merge', { spec: { template: { metadata: { annotations: { restartedAt: new Date().toISOString() } } } } });
  const want = dep.spec.replicas!;
  await waitFor(
    async () => {
      const d = await cluster.api.get<Deployment>(R.deployments, NS, 'web');
      const s = d.status;
      return (s?.observedGeneration ?? 0) >= d.metadata.generation! && s?.updatedReplicas === want && s?.availableReplicas === want && s?.replicas === want;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: 'the rollout to complete' },
  );
  const ep = await readyEndpoints(want);
  const newIps = ep.map((e) => e.addresses[0]!);
  // node-1's own rules say when they point at the new pods only (not a sync time, which a
  // quiet period before the next full sync would leave behind).
  await waitFor(
    async () => {
      const nat = await cluster.onNode('node-1', 'iptables-save', ['-t', 'nat']);
      const to = new Set([...nat.matchAll(/--to-destination (\d+\.\d+\.\d+\.\d+):/g)].map((m) => m[1]));
      return newIps.every((ip) => to.has(ip)) && !oldIps.some((ip) => !newIps.includes(ip) && to.has(ip));
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'node-1 rules with only the new pods' },
  );
  const fresh = new Set((await cluster.api.list<Pod>(R.pods, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name));
  assert.ok([...fresh].every((n) => !before.has(n)), 'every pod was replaced');
  // Traffic goes on past the end of the rollout, then reaches only the new pods.
  const mark = (await clientLines(client)).length;
  await waitFor(async () => (await clientLines(client)).length > mark + 100, { timeoutMs: 60_000, what: 'traffic after the rollout' });
  const lines = await clientLines(client);
  assert.equal((await cluster.api.get<Pod>(R.pods, NS, client)).status?.phase, 'Running', 'the client ran through the whole rollout');
  await cluster.api.delete(R.pods, NS, client, { gracePeriodSeconds: 0 });
  assert.equal(counts(lines).get('FAIL'), undefined, `no request failed (${lines.length} requests)`);
  // (the one request in flight at the mark may still have gone to an old pod)
  assert.ok(lines.slice(mark + 1).every((l) => fresh.has(l)), 'after the rollout only new pods answer');
});

test('NodePort answers on every node IP, including a node without pods of the Service', async () => {
  const svc = await cluster.api.get<Service>(R.services, NS, 'web');
  const port = svc.spec.ports![0]!.nodePort!;
  const names = new Set((await cluster.api.list<Pod>(R.pods, NS, { labelSelector: 'app=web' })).items.map((p) => p.metadata.name));
  for (const n of cluster.plan.nodes) {
    // From the master host (another host for every node)...
    const res = await fetch(`http://${n.ip}:${port}/`, { signal: AbortSignal.timeout(5000) });
    assert.ok(names.has((await res.text()).trim()), `${n.name} from the master`);
    // ...and from the node itself.
    const own = (await cluster.onNode(n.name, 'busybox', ['wget', '-qO-', `http://${n.ip}:${port}/`])).trim();
    assert.ok(names.has(own), `${n.name} from itself`);
  }
});

test('a pod reaches itself through its own Service (hairpin), found through service env vars', async () => {
  await cluster.api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hairpin', namespace: NS }, spec: { selector: { app: 'hairpin' }, ports: [{ port: 80, targetPort: 8080 }] } });
  await cluster.api.create<Pod>(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hairpin', namespace: NS, labels: { app: 'hairpin' } },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'busybox:1.35',
          command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && httpd -p 8080 -h /www && until wget -qO- http://$HAIRPIN_SERVICE_HOST:$HAIRPIN_SERVICE_PORT/ 2>/dev/null; do sleep 0.5; done; exec sleep 3600'],
        },
      ],
    },
  });
  const out = await waitFor(async () => {
    const text = (await cluster.log(NS, 'hairpin')).trim();
    return text || undefined;
  }, { timeoutMs: 90_000, what: 'the hairpin answer' });
  assert.equal(out, 'hairpin');
});

test('a Service without endpoints is refused at once', async () => {
  const svc = await cluster.api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty', namespace: NS }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] } });
  const started = Date.now();
  await waitFor(async () => (await lastSync('node-1')) >= started, { what: 'node-1 proxy sync' });
  const script = `require('net').connect(80, '${svc.spec.clusterIP}').on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); }).setTimeout(5000, () => { console.log('timeout'); process.exit(0); });`;
  assert.equal((await cluster.onNode('node-1', process.execPath, ['-e', script])).trim(), 'ECONNREFUSED');
});

test('tk-proxy killed and restarted while requests run: no request fails', async () => {
  const client = await startClient(1500);
  await waitFor(async () => (await clientLines(client)).length > 100, { timeoutMs: 60_000, what: 'client traffic' });
  const daemons = new Daemons(cluster.plan.stateDir);
  const old = daemons.running('proxy-node-1')!;
  const restarted = Date.now();
  process.kill(old, 'SIGKILL');
  // Its supervisor starts it again, as systemd does on a host.
  await waitFor(() => (daemons.running('proxy-node-1') ?? old) !== old, { timeoutMs: 5000, what: 'the supervisor to restart tk-proxy' });
  await waitFor(async () => (await lastSync('node-1').catch(() => 0)) >= restarted, { what: 'the new tk-proxy to sync' });
  const lines = await finished(client);
  assert.equal(lines.length, 1500);
  assert.equal(counts(lines).get('FAIL'), undefined);
  // Rules are still in place (never removed on exit) and exactly one copy of each jump exists.
  const nat = await run('ip', ['netns', 'exec', cluster.plan.nodes[0]!.netns, 'iptables-save', '-t', 'nat']);
  assert.equal(nat.split('\n').filter((l) => l.startsWith('-A PREROUTING') && l.includes('KUBE-SERVICES')).length, 1);
});

test('hand-written Endpoints of 250 addresses for a Service without a selector: mirrored into 3 EndpointSlices, and tk-proxy programs exactly those 250', async () => {
  const svc = await cluster.api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'outside', namespace: NS }, spec: { ports: [{ name: 'db', port: 5432 }] } });
  // Addresses of the pod range no pod has: rules point at them, no packet is sent.
  const ips = Array.from({ length: 250 }, (_, i) => `10.245.${200 + Math.floor(i / 200)}.${(i % 200) + 1}`);
  await cluster.api.create<Endpoints>(R.endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'outside', namespace: NS }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }] });
  const slices = await waitFor(async () => {
    const list = (await cluster.api.list<EndpointSlice>(R.endpointslices, NS, { labelSelector: 'kubernetes.io/service-name=outside' })).items;
    return list.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0) === 250 ? list : undefined;
  }, { timeoutMs: 60_000, what: 'the mirrored slices' });
  assert.deepEqual(slices.map((s) => s.endpoints!.length).sort((a, b) => a - b), [50, 100, 100]);
  assert.ok(slices.every((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslicemirroring-controller.k8s.io'));
  const table = await run('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=outside']);
  assert.equal(table.split('\n').filter((l) => /^outside-[a-z0-9]{5}\s+IPv4\s+5432\s+/.test(l) && /\+ (47|97) more\.\.\./.test(l)).length, 3, table);
  // node-1's rules: one endpoint chain per address of the Endpoints, no other.
  const wanted = new Set(ips.map((ip) => `${ip}:5432`));
  await waitFor(async () => {
    const nat = await cluster.onNode('node-1', 'iptables-save', ['-t', 'nat']);
    const svcChain = /-A KUBE-SERVICES -d (\S+)\/32 .*--dport 5432 .*-j (KUBE-SVC-\S+)/.exec(nat.split('\n').find((l) => l.includes(`-d ${svc.spec.clusterIP}/32`)) ?? '')?.[2];
    if (!svcChain) return undefined;
    const seps = new Set(nat.split('\n').filter((l) => l.startsWith(`-A ${svcChain} `)).map((l) => /-j (KUBE-SEP-\S+)/.exec(l)?.[1]).filter(Boolean));
    const targets = new Set(nat.split('\n').filter((l) => [...seps].some((sep) => l.startsWith(`-A ${sep} `)) && l.includes('--to-destination')).map((l) => /--to-destination (\S+)/.exec(l)![1]!));
    return targets.size === wanted.size && [...targets].every((t) => wanted.has(t)) ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, what: 'node-1 rules for the 250 addresses' });
  // The Endpoints go with the Service (the endpoints controller removes those of a deleted Service, as Kubernetes').
  await cluster.api.delete(R.services, NS, 'outside');
  await waitFor(async () => ((await cluster.api.get(R.endpoints, NS, 'outside').catch(() => undefined)) ? undefined : true), { timeoutMs: 30_000, what: 'the Endpoints gone' });
});
