// 3. API: pod creates per second through REST and gRPC (1 and 16 clients) against raw etcd3
// puts of the same bytes from the same process; watch delivery latency with 100 watchers;
// a list of 5,000 pods.
import { Etcd3 } from 'etcd3';
import { R, type Pod } from '@tinykube/api';
import { RestClient, type ApiClient } from '@tinykube/client';
import type { ControlPlane } from './control-plane';
import { median, percentile, pool, timed, type Row } from './stats';

const ROUNDS = 3;

export function benchPod(name: string, namespace: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench' } },
    // Bound to a node that does not exist: nothing schedules or starts these.
    spec: { nodeName: 'bench-none', containers: [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

/** A namespace and its default ServiceAccount (this scratch control plane runs no controller-manager to make it). */
async function ensureNamespace(api: ApiClient, name: string): Promise<void> {
  await api.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(() => undefined);
  await api.create(R.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } }).catch(() => undefined);
}

export async function apiBench(cp: ControlPlane, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const N = 600;
  const etcd = new Etcd3({ hosts: [cp.etcd.url], grpcOptions: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 } });
  let round = 0;
  for (const clients of [1, 16]) {
    const rest: number[] = [];
    const grpc: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const ns = `bench-${++round}`;
      await ensureNamespace(cp.rest, ns);
      const names = Array.from({ length: N }, (_, i) => `p-${i}`);
      const restClients = Array.from({ length: clients }, () => new RestClient(cp.restUrl, { tls: cp.admin }));
      rest.push(N / ((await timed(() => pool(names, clients, (n, i) => restClients[i % clients]!.create(R.pods, benchPod(`r${n}`, ns))))).ms / 1000));
      grpc.push(N / ((await timed(() => pool(names, clients, (n) => cp.grpc.create(R.pods, benchPod(`g${n}`, ns))))).ms / 1000));
      const bytes = Buffer.from(JSON.stringify(benchPod('x', ns)));
      raw.push(N / ((await timed(() => pool(names, clients, (n) => etcd.put(`/bench/${ns}/${n}`).value(bytes).exec()))).ms / 1000));
    }
    const base = median(raw);
    rows.push({ benchmark: 'api', figure: `REST pod creates/s, ${clients} client${clients > 1 ? 's' : ''}`, value: median(rest), unit: '/s', baseline: base, baselineLabel: 'raw etcd puts/s', ratio: median(rest) / base, target: '>= 0.5x', met: median(rest) / base >= 0.5 });
    rows.push({ benchmark: 'api', figure: `gRPC pod creates/s, ${clients} client${clients > 1 ? 's' : ''}`, value: median(grpc), unit: '/s', baseline: base, baselineLabel: 'raw etcd puts/s', ratio: median(grpc) / base });
    log(`  creates with ${clients} client(s): REST ${median(rest).toFixed(0)}/s, gRPC ${median(grpc).toFixed(0)}/s, etcd ${base.toFixed(0)}/s`);
  }
  // Watch delivery: 100 watchers, 50 creates, latency create-acknowledged -> event seen.
  const ns = 'bench-watch';
  await ensureNamespace(cp.rest, ns);
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const handles = Array.from({ length: 100 }, () =>
    new RestClient(cp.restUrl, { tls: cp.admin }).watch(R.pods, ns, {}, (type, o) => {
      const t = sent.get(o.metadata.name);
      if (type === 'ADDED' && t !== undefined) lat.push(Number(process.hrtime.bigint()) / 1e6 - t);
    }, () => undefined),
  );
  await new Promise((r) => setTimeout(r, 500)); // let the 100 streams open (setup, not measured)
  for (let i = 0; i < 50; i++) {
    const name = `w-${i}`;
    sent.set(name, Number(process.hrtime.bigint()) / 1e6);
    await cp.rest.create(R.pods, benchPod(name, ns));
  }
  const deadline = Date.now() + 30_000;
  while (lat.length < 5000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const h of handles) h.stop();
  rows.push({ benchmark: 'api', figure: 'watch delivery p50, 100 watchers', value: percentile(lat, 50), unit: 'ms' });
  rows.push({ benchmark: 'api', figure: 'watch delivery p99, 100 watchers', value: percentile(lat, 99), unit: 'ms' });
  log(`  watch: ${lat.length} deliveries, p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms`);
  // List of 5,000 pods.
  const big = 'bench-list';
  await ensureNamespace(cp.rest, big);
  await pool(Array.from({ length: 5000 }, (_, i) => i), 16, (i) => cp.grpc.create(R.pods, benchPod(`l-${i}`, big)));
  const lists: number[] = [];
  const raws: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    lists.push((await timed(() => cp.rest.list(R.pods, big))).ms);
    raws.push((await timed(() => etcd.getAll().prefix(`/registry/pods/${big}/`).buffers())).ms);
  }
  rows.push({ benchmark: 'api', figure: 'REST list of 5,000 pods', value: median(lists), unit: 'ms', baseline: median(raws), baselineLabel: 'raw etcd range read', ratio: median(lists) / median(raws) });
  log(`  list of 5,000: ${median(lists).toFixed(0)} ms (etcd range ${median(raws).toFixed(0)} ms)`);
  etcd.close();
  return rows;
}
