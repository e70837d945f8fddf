// 4. Scheduler: pods bound per second with 100 Nodes kept Ready by the benchmark and 1,000
// pending pods created at once (never started). 5. Memory: peak RSS of each master daemon idle
// and with those 1,000 pods bound.
import { microTime, R, type Lease, type Node, type Pod } from '@tinykube/api';
import type { ControlPlane } from './control-plane';
import { benchPod } from './api-bench';
import { pool, type Row } from './stats';

function fakeNode(i: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `fake-${i}`, labels: { 'kubernetes.io/hostname': `fake-${i}` } },
    spec: { podCIDR: `10.250.${i}.0/24` },
  };
}

export async function schedulerBench(cp: ControlPlane, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  await cp.start('scheduler');
  const nodes = await pool(Array.from({ length: 100 }, (_, i) => i), 16, async (i) => {
    const n = await cp.grpc.create<Node>(R.nodes, fakeNode(i));
    return cp.grpc.updateStatus<Node>(R.nodes, { ...n, status: { allocatable: { cpu: '64', memory: '256Gi', pods: '110' }, capacity: { cpu: '64', memory: '256Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }], addresses: [{ type: 'InternalIP', address: `10.250.${i}.1` }] } });
  });
  // Keep the nodes' leases fresh, as kubelets would, so node lifecycle leaves them Ready.
  const renew = async (): Promise<void> => {
    const now = microTime();
    await pool(nodes, 16, async (n) => {
      const name = n.metadata.name;
      try {
        const l = await cp.grpc.get<Lease>(R.leases, 'kube-node-lease', name);
        await cp.grpc.update(R.leases, { ...l, spec: { ...l.spec, renewTime: now } });
      } catch {
        await cp.grpc.create<Lease>(R.leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now } }).catch(() => undefined);
      }
    });
  };
  await renew();
  const timer = setInterval(() => void renew(), 10_000);
  // Started once the nodes are Ready with fresh leases, so node lifecycle has nothing to do.
  await cp.start('controller-manager');
  const idle: Record<string, number> = {};
  for (const d of ['apiserver', 'scheduler', 'controller-manager']) idle[d] = cp.rss(d).now;
  try {
    await cp.rest.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sched' } });
    const boundNames = new Set<string>();
    let last = 0;
    const start = Date.now();
    const watch = cp.rest.watch(R.pods, 'sched', {}, (_, o) => {
      if (!(o as Pod).spec.nodeName || boundNames.has(o.metadata.name)) return;
      boundNames.add(o.metadata.name);
      last = Date.now();
    }, () => undefined);
    const pods = Array.from({ length: 1000 }, (_, i) => {
      const p = benchPod(`s-${i}`, 'sched');
      delete p.spec.nodeName;
      return p;
    });
    await pool(pods, 16, (p) => cp.grpc.create(R.pods, p));
    const deadline = Date.now() + 180_000;
    while (boundNames.size < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    watch.stop();
    const seconds = (last - start) / 1000;
    const rate = boundNames.size / seconds;
    const spread = new Map<string, number>();
    for (const p of (await cp.rest.list<Pod>(R.pods, 'sched')).items) spread.set(p.spec.nodeName ?? '', (spread.get(p.spec.nodeName ?? '') ?? 0) + 1);
    rows.push({ benchmark: 'scheduler', figure: 'pods bound/s, 1,000 pending over 100 nodes (create start -> last bind)', value: rate, unit: '/s', target: '>= 300/s', met: rate >= 300 });
    rows.push({ benchmark: 'scheduler', figure: 'pods per node, max - min (spreading)', value: Math.max(...spread.values()) - Math.min(...spread.values()), unit: 'pods' });
    log(`  scheduler: ${boundNames.size} bound in ${seconds.toFixed(1)} s = ${rate.toFixed(0)}/s`);
    let total = 0;
    for (const d of ['apiserver', 'scheduler', 'controller-manager']) {
      const m = cp.rss(d);
      total += m.peak;
      rows.push({ benchmark: 'memory', figure: `${d} RSS idle / peak with 1,000 pods`, value: m.peak, unit: 'MiB', baseline: idle[d], baselineLabel: 'idle RSS MiB' });
    }
    rows.push({ benchmark: 'memory', figure: 'apiserver + scheduler + controller-manager peak RSS', value: total, unit: 'MiB', target: '<= 250 MB', met: total * 1.048576 <= 250 });
    log(`  memory: master daemons together ${total.toFixed(0)} MiB peak`);
  } finally {
    clearInterval(timer);
  }
  return rows;
}
