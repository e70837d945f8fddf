// Cluster DNS end to end: tk-dns as `up` runs it (two replicas in kube-system behind kube-dns),
// the kubelets writing each pod's resolv.conf, and busybox clients on every host looking up
// Services, a headless StatefulSet's pods, SRV and PTR records, through the ClusterIP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodReady, R, type Pod, type Service, type StatefulSet } from '@tinykube/api';
import { execFile } from 'node:child_process';
import { hostnameServers, run, startCluster, waitFor, type LocalCluster } from '../helpers';

let cluster: LocalCluster;
const NS = 'default';
const SLEEP = 'trap "exit 0" TERM; while true; do sleep 1; done';
let webIP = '';

function kubectl(...args: string[]): Promise<string> {
  return run('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args]);
}

/**
 * Runs a shell line in a client pod: its output, whatever it exits with (busybox's nslookup
 * exits 1 when any name of the search list is NXDOMAIN, even once one was found).
 */
function inPod(pod: string, line: string): Promise<string> {
  return new Promise((resolve) => execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, 'exec', pod, '--', 'sh', '-c', line], (_err, stdout, stderr) => resolve(stdout + stderr)));
}

before(async () => {
  cluster = await startCluster({ nodes: 3, dns: true });
  await cluster.api.create(R.deployments, hostnameServers('web', NS, 2, ['node-1', 'node-2', 'node-3']));
  const web = await cluster.api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  webIP = web.spec.clusterIP!;
  await cluster.api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis', namespace: NS }, spec: { clusterIP: 'None', selector: { app: 'redis' }, ports: [{ name: 'redis', port: 6379 }] } });
  const sts: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'redis', namespace: NS },
    spec: {
      serviceName: 'redis',
      replicas: 2,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'redis' } },
      template: { metadata: { labels: { app: 'redis' } }, spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', SLEEP], ports: [{ name: 'redis', containerPort: 6379 }] }] } },
    },
  };
  await cluster.api.create(R.statefulsets, sts);
  for (const node of ['node-1', 'node-2', 'node-3'])
    await cluster.api.create<Pod>(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `client-${node}`, namespace: NS, labels: { app: 'dns-client' } }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', SLEEP] }] } });
  await cluster.readyPods('kube-system', 'k8s-app=kube-dns', 2, 'two tk-dns pods Ready');
  await cluster.readyPods(NS, 'app=web', 2, 'the web pods');
  await cluster.readyPods(NS, 'app=redis', 2, 'the redis pods');
  await cluster.readyPods(NS, 'app=dns-client', 3, 'a client on every node');
  // Each node's tk-proxy programs kube-dns's new endpoints within its sync period: wait for it.
  for (const node of ['node-1', 'node-2', 'node-3'])
    await waitFor(async () => ((await inPod(`client-${node}`, 'nslookup kubernetes.default.svc.cluster.local')).includes('Address: 10.97.0.1') ? true : undefined), { timeoutMs: 60_000, intervalMs: 500, what: `kube-dns reachable from ${node}` });
});

after(async () => {
  await cluster?.down();
});

test("tk-dns runs as kubeadm runs CoreDNS: two pods on different nodes behind kube-dns at the Service range's tenth address; pods get its resolv.conf", async () => {
  const dns = await cluster.api.get<Service>(R.services, 'kube-system', 'kube-dns');
  assert.equal(dns.spec.clusterIP, '10.97.0.10');
  const pods = await cluster.readyPods('kube-system', 'k8s-app=kube-dns', 2, 'tk-dns');
  assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 2, 'spread over nodes');
  assert.equal(await inPod('client-node-1', 'cat /etc/resolv.conf'), 'nameserver 10.97.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
});

test('from every node, web, web.default and web.default.svc.cluster.local resolve to the ClusterIP and answer over HTTP', async () => {
  const webPods = new Set((await cluster.readyPods(NS, 'app=web', 2, 'web')).map((p) => p.metadata.name));
  for (const node of ['node-1', 'node-2', 'node-3']) {
    const client = `client-${node}`;
    const found = await inPod(client, 'nslookup web');
    assert.match(found, /Name:\s+web\.default\.svc\.cluster\.local\s+Address: (\S+)/, found);
    assert.equal(/Name:\s+web\.default\.svc\.cluster\.local\s+Address: (\S+)/.exec(found)![1], webIP);
    for (const name of ['web', 'web.default', 'web.default.svc.cluster.local']) {
      const answer = (await inPod(client, `timeout 10 wget -qO- http://${name}/`)).trim();
      assert.ok(webPods.has(answer), `${node}: http://${name}/ answered ${JSON.stringify(answer)}`);
    }
  }
});

test("a headless StatefulSet: redis-0.redis is that pod and follows it to another node; SRV lists both pods; PTR names the Service; unknown names are NXDOMAIN; names outside fail at once", async () => {
  const client = 'client-node-1';
  const redis0 = await cluster.api.get<Pod>(R.pods, NS, 'redis-0');
  // Through the C library's resolver (busybox's nslookup does not apply the search list to a name with a dot; ping does, as glibc).
  const addressOf = async (name: string): Promise<string | undefined> => /^PING \S+ \((\d+\.\d+\.\d+\.\d+)\)/m.exec(await inPod(client, `ping -c 1 -W 2 ${name}`))?.[1];
  assert.equal(await addressOf('redis-0.redis'), redis0.status!.podIP);
  const srv = await inPod(client, 'nslookup -type=srv _redis._tcp.redis.default.svc.cluster.local');
  assert.match(srv, /_redis\._tcp\.redis\.default\.svc\.cluster\.local\s+service = 0 \d+ 6379 redis-0\.redis\.default\.svc\.cluster\.local/);
  assert.match(srv, /6379 redis-1\.redis\.default\.svc\.cluster\.local/);
  assert.match(await inPod(client, `nslookup ${webIP}`), /name = web\.default\.svc\.cluster\.local/);
  assert.match(await inPod(client, 'nslookup nope.default.svc.cluster.local'), /can't find nope\.default\.svc\.cluster\.local: NXDOMAIN/);
  assert.match(await inPod(client, 'nslookup example.org'), /can't find example\.org: SERVFAIL/);
  assert.match(await inPod(client, 'nslookup -type=txt dns-version.cluster.local'), /text = "1\.1\.0"/);

  // redis-0 recreated elsewhere: its name follows its new address.
  await kubectl('cordon', redis0.spec.nodeName!);
  try {
    await cluster.api.delete(R.pods, NS, 'redis-0');
    const moved = await waitFor(async () => {
      const p = await cluster.api.get<Pod>(R.pods, NS, 'redis-0').catch(() => undefined);
      return p && p.metadata.uid !== redis0.metadata.uid && isPodReady(p) ? p : undefined;
    }, { timeoutMs: 90_000, what: 'redis-0 on another node' });
    assert.notEqual(moved.spec.nodeName, redis0.spec.nodeName);
    await waitFor(async () => ((await addressOf('redis-0.redis')) === moved.status!.podIP ? true : undefined), { timeoutMs: 30_000, intervalMs: 500, what: 'redis-0.redis to follow the new pod' });
  } finally {
    await kubectl('uncordon', redis0.spec.nodeName!);
  }
});

test('killing one tk-dns pod loses no lookup of a client retrying as busybox does', async () => {
  await cluster.api.create<Pod>(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'looker', namespace: NS },
    spec: { nodeName: 'node-3', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'end=$(($(date +%s) + 30)); while [ $(date +%s) -lt $end ]; do nslookup web.default.svc.cluster.local >/dev/null 2>&1 && echo ok || echo FAIL; done'] }] },
  });
  await waitFor(async () => ((await cluster.log(NS, 'looker').catch(() => '')).split('\n').filter(Boolean).length > 10 ? true : undefined), { timeoutMs: 60_000, what: 'lookups under way' });
  const [victim] = await cluster.readyPods('kube-system', 'k8s-app=kube-dns', 2, 'tk-dns');
  // Deleted as `kubectl delete pod` does: it goes on answering through its lameduck while tk-proxy withdraws it.
  await cluster.api.delete(R.pods, 'kube-system', victim!.metadata.name!);
  // The pod is gone (its lameduck over, the container stopped) while the lookups still run.
  await waitFor(async () => ((await cluster.api.get(R.pods, 'kube-system', victim!.metadata.name!).catch(() => undefined)) ? undefined : true), { timeoutMs: 40_000, what: 'the tk-dns pod gone' });
  assert.equal((await cluster.api.get<Pod>(R.pods, NS, 'looker')).status?.phase, 'Running', 'lookups ran across the whole shutdown');
  await cluster.waitForPod(NS, 'looker', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 'the lookups done', 240_000);
  const lines = (await cluster.log(NS, 'looker')).split('\n').filter(Boolean);
  assert.ok(lines.length > 50, `${lines.length} lookups`);
  assert.deepEqual(lines.filter((l) => l !== 'ok'), [], 'every lookup answered');
  await cluster.readyPods('kube-system', 'k8s-app=kube-dns', 2, 'tk-dns replaced');
});
