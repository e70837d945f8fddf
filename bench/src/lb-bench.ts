// 6. Load balancing from a pod on another host: the spread of requests over 3 endpoints
// (chi-square) and requests/s through the ClusterIP against straight to the pod IPs. The
// client is node's http in the client pod's network namespace (new connection per request).
import Docker from 'dockerode';
import { R, type Deployment, type Endpoints, type Pod, type Service } from '@tinykube/api';
import { hostnameServers } from '@tinykube/test';
import type { Local } from './local-cluster';
import { deleteNamespace, freshNamespace, sh } from './local-cluster';
import { chiSquare, median, type Row } from './stats';

const NS = 'bench-lb';
const REQUESTS = 2000;

const CLIENT = `
const http = require('http');
const [targets, n] = [process.argv[1].split(','), Number(process.argv[2])];
const counts = {};
let i = 0;
const t0 = process.hrtime.bigint();
function next() {
  if (i === n) {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(JSON.stringify({ ms, counts }));
    return;
  }
  const target = targets[i++ % targets.length];
  http.get({ host: target.split(':')[0], port: Number(target.split(':')[1]), path: '/', agent: false }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => { counts[body.trim()] = (counts[body.trim()] || 0) + 1; next(); });
  }).on('error', () => { counts.FAIL = (counts.FAIL || 0) + 1; next(); });
}
next();
`;

export async function lbBench(local: Local, log: (s: string) => void): Promise<Row[]> {
  const api = local.api;
  await freshNamespace(api, NS);
  const others = local.plan.nodes.slice(1).map((n) => n.name);
  await api.create<Deployment>(R.deployments, hostnameServers('web', NS, 3, others));
  const svc = await api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
  const clientNode = local.plan.nodes[0]!;
  await api.create<Pod>(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS }, spec: { nodeName: clientNode.name, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] }] } });
  let podIPs: string[] = [];
  for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
    const ep = await api.get<Endpoints>(R.endpoints, NS, 'web').catch(() => undefined);
    podIPs = ep?.subsets?.flatMap((s) => s.addresses?.map((a) => `${a.ip}:8080`) ?? []) ?? [];
    const client = await api.get<Pod>(R.pods, NS, 'client');
    if (podIPs.length === 3 && client.status?.containerStatuses?.[0]?.state?.running) break;
  }
  const uid = (await api.get<Pod>(R.pods, NS, 'client')).metadata.uid;
  const docker = new Docker({ socketPath: clientNode.dockerSocket });
  const sandbox = (await docker.listContainers({ filters: { label: [`io.kubernetes.pod.uid=${uid}`, 'io.kubernetes.container.name=POD'] } }))[0]!;
  const pid = (await docker.getContainer(sandbox.Id).inspect()).State.Pid;
  const run = async (targets: string[], n = REQUESTS): Promise<{ ms: number; counts: Record<string, number> }> => JSON.parse(await sh('nsenter', ['-t', String(pid), '-n', process.execPath, '-e', CLIENT, targets.join(','), String(n)])) as { ms: number; counts: Record<string, number> };
  // Until node-1's rules know all three endpoints (setup, not measured).
  for (const end = Date.now() + 60_000; Date.now() < end; ) if (Object.keys((await run([`${svc.spec.clusterIP}:80`], 60)).counts).filter((k) => k !== 'FAIL').length === 3) break;
  const viaService: number[] = [];
  const direct: number[] = [];
  let spread: Record<string, number> = {};
  for (let r = 0; r < 3; r++) {
    const s = await run([`${svc.spec.clusterIP}:80`]);
    const d = await run(podIPs);
    viaService.push(REQUESTS / (s.ms / 1000));
    direct.push(REQUESTS / (d.ms / 1000));
    if (r === 0) spread = s.counts;
    log(`  round ${r + 1}: ClusterIP ${viaService[r]!.toFixed(0)} req/s, pod IPs ${direct[r]!.toFixed(0)} req/s ${JSON.stringify(s.counts)}`);
  }
  const counts = Object.entries(spread).filter(([k]) => k !== 'FAIL').map(([, v]) => v);
  const chi2 = chiSquare(counts);
  await deleteNamespace(api, NS);
  return [
    { benchmark: 'load balancing', figure: `spread of ${REQUESTS} requests over 3 endpoints, chi-square (p > 0.01 below 9.21)`, value: chi2, unit: '', target: '< 9.21', met: chi2 < 9.21 && counts.length === 3 && !spread.FAIL },
    { benchmark: 'load balancing', figure: 'requests/s through the ClusterIP, from a pod on another host', value: median(viaService), unit: '/s', baseline: median(direct), baselineLabel: 'req/s straight to pod IPs', ratio: median(viaService) / median(direct), target: '>= 0.9x', met: median(viaService) / median(direct) >= 0.9 },
  ];
}
