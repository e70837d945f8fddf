// 2. Service programming on one host: 1,000 Services x 3 endpoints. tk-proxy's full sync (its
// own metric, after a restart) against a bare `iptables-restore --noflush` of the same rules in
// the same namespace; one endpoint removed -> its rules gone, p50/p99; bytes of partial and full
// syncs.
import { R, SERVICE_NAME_LABEL, type EndpointSlice, type Service } from '@tinykube/api';
import { endpointChain, render, servicePorts, slicesByService } from '@tinykube/proxy';
import { Daemons } from '@tinykube/hosts';
import { deleteNamespace, freshNamespace, sh, type Local } from './local-cluster';
import { median, percentile, pool, timed, type Row } from './stats';

const NS = 'bench-svc';
const SCRATCH = 'tk-bench-iptables';
const N = 1000;

async function metrics(local: Local, node: string): Promise<string> {
  const ip = local.plan.nodes.find((n) => n.name === node)!.ip;
  return (await fetch(`http://${ip}:10249/metrics`)).text();
}

/** A sample of the Prometheus text: `name{a="x",b="y"} value`, found by name and label pairs. */
function metric(text: string, name: string, labels = ''): number {
  const pairs = labels ? labels.split(',') : [];
  const line = text.split('\n').find((l) => (pairs.length ? l.startsWith(`${name}{`) && pairs.every((x) => l.includes(x)) : l.startsWith(`${name} `)));
  return Number(line?.split(' ').pop() ?? NaN);
}

export async function proxyBench(local: Local, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const node = local.plan.nodes[0]!.name;
  await freshNamespace(local.api, NS);
  log(`  creating ${N} Services and EndpointSlices (3 addresses each)`);
  const ip = (i: number, k: number): string => `10.244.${200 + k}.${(i % 250) + 2}`;
  await pool(Array.from({ length: N }, (_, i) => i), 16, async (i) => {
    await local.api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${i}`, namespace: NS }, spec: { ports: [{ port: 80, targetPort: 8080 }] } });
    // A slice of our own (no managed-by label), as a user with endpoints outside the cluster writes one.
    await local.api.create<EndpointSlice>(R.endpointslices, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `s-${i}`, namespace: NS, labels: { [SERVICE_NAME_LABEL]: `s-${i}` } }, addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: [0, 1, 2].map((k) => ({ addresses: [ip(i, k)], conditions: { ready: true } })) });
  });
  const countSeps = async (): Promise<number> => (await local.onNode(node, 'iptables-save', ['-t', 'nat'])).split('\n').filter((l) => l.startsWith(':KUBE-SEP-')).length;
  const deadline = Date.now() + 120_000;
  while ((await countSeps()) < 3 * N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));

  // Full syncs: restart tk-proxy; its first sync is full. Compare with a bare restore of the same text.
  const full: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < 3; r++) {
    process.kill(new Daemons(local.plan.stateDir).running(`proxy-${node}`)!, 'SIGKILL');
    await local.reconcile();
    let m = '';
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((res) => setTimeout(res, 200))) {
      m = await metrics(local, node).catch(() => '');
      if (metric(m, 'kubeproxy_sync_proxy_rules_duration_seconds_count', 'kind="full"') >= 1) break;
    }
    full.push(metric(m, 'kubeproxy_sync_proxy_rules_duration_seconds_sum', 'kind="full"') * 1000);
    const services = (await local.api.list<Service>(R.services)).items;
    const eps = slicesByService((await local.api.list<EndpointSlice>(R.endpointslices)).items);
    const existing = new Set((await local.onNode(node, 'iptables-save', ['-t', 'nat'])).split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!));
    const text = render(servicePorts(services, eps), { clusterCidr: local.plan.clusterCidr, existingChains: existing }).text;
    // The baseline restores the same text in a quiet namespace of its own (no tk-proxy taking
    // the xtables lock meanwhile), over chains that already exist, as a full sync does.
    await sh('ip', ['netns', 'add', SCRATCH]);
    try {
      const inScratch = (): Promise<string> => sh('nsenter', [`--net=/run/netns/${SCRATCH}`, '--', 'iptables-restore', '-w', '--noflush'], text);
      await inScratch();
      bare.push((await timed(inScratch)).ms);
    } finally {
      await sh('ip', ['netns', 'del', SCRATCH]);
    }
  }
  rows.push({ benchmark: 'service programming', figure: `full sync, ${N} services x 3 endpoints`, value: median(full), unit: 'ms', baseline: median(bare), baselineLabel: 'bare iptables-restore ms', ratio: median(full) / median(bare), target: '<= 1.3x', met: median(full) / median(bare) <= 1.3 });
  log(`  full sync ${median(full).toFixed(0)} ms vs bare restore ${median(bare).toFixed(0)} ms`);

  // One endpoint removed -> rules live: the time from the API write to the end of the first
  // tk-proxy sync (its last-sync metric, ms precision) after which the endpoint's chain is gone.
  const lat: number[] = [];
  for (let i = 0; i < 20; i++) {
    const name = `s-${i}`;
    const ep = await local.api.get<EndpointSlice>(R.endpointslices, NS, name);
    const gone = ep.endpoints![2]!.addresses[0]!;
    const chain = endpointChain(`${NS}/${name}:`, 'TCP', `${gone}:8080`);
    const t0 = Date.now();
    await local.api.update<EndpointSlice>(R.endpointslices, { ...ep, endpoints: ep.endpoints!.slice(0, 2) });
    let seen = t0;
    for (const end = Date.now() + 30_000; Date.now() < end; ) {
      const last = metric(await metrics(local, node), 'kubeproxy_sync_proxy_rules_last_timestamp_seconds') * 1000;
      if (last <= seen) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      seen = last;
      const present = await local.onNode(node, 'iptables', ['-w', '-t', 'nat', '-S', chain, '1']).then(() => true, () => false);
      if (!present) break;
    }
    lat.push(seen - t0);
  }
  rows.push({ benchmark: 'service programming', figure: 'one endpoint removed -> rules live, p50', value: percentile(lat, 50), unit: 'ms' });
  rows.push({ benchmark: 'service programming', figure: 'one endpoint removed -> rules live, p99', value: percentile(lat, 99), unit: 'ms', target: '<= 1 s', met: percentile(lat, 99) <= 1000 });
  log(`  endpoint change: p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms`);
  const m = await metrics(local, node);
  const bytesPer = (kind: string): number => metric(m, 'kubeproxy_sync_proxy_rules_bytes_total', `kind="${kind}"`) / metric(m, 'kubeproxy_sync_proxy_rules_total', `kind="${kind}",result="ok"`);
  rows.push({ benchmark: 'service programming', figure: 'bytes written per partial sync', value: bytesPer('partial'), unit: 'B', baseline: bytesPer('full'), baselineLabel: 'bytes per full sync', ratio: bytesPer('partial') / bytesPer('full') });
  await deleteNamespace(local.api, NS);
  return rows;
}
