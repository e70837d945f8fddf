// npm run soak [-- --minutes 20]: the local cluster (`npm run up`) under churn for a while, with
// traffic through a ClusterIP all along. A loop of rollouts, scale up and down, pod deletions,
// kubelet kill -9s (the supervisor restarts them) and Service creation and deletion; a client
// on node-1 sends a request every 50 ms. At the end: failed requests (and in which action's
// window), orphaned containers and iptables chains on every node, the Deployment converged,
// and every daemon's RSS over time. Writes bench/results/soak-<date>.json and prints a table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { isPodReady, R, type Deployment, type Pod, type Service } from '@tinykube/api';
import { Daemons } from '@tinykube/hosts';
import { serviceChain } from '@tinykube/proxy';
import { hostnameServers, REPO_DIR } from '@tinykube/test';
import { deleteNamespace, freshNamespace, loadLocal, type Local } from './local-cluster';

const NS = 'soak';
const ACTION_EVERY_MS = 20_000;
const RSS_EVERY_MS = 30_000;

function log(s: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
}

/** One request every 50 ms for `seconds`; prints one JSON line per second: {t, ok, fail}. */
const CLIENT = `
const http = require('http');
const [target, seconds] = [process.argv[1], Number(process.argv[2])];
const end = Date.now() + seconds * 1000;
let ok = 0, fail = 0, second = Math.floor(Date.now() / 1000);
const flush = () => { console.log(JSON.stringify({ t: second, ok, fail })); ok = 0; fail = 0; };
function one() {
  if (Date.now() > end) { flush(); return; }
  const s = Math.floor(Date.now() / 1000);
  if (s !== second) { flush(); second = s; }
  const started = Date.now();
  const req = http.get({ host: target.split(':')[0], port: Number(target.split(':')[1]), path: '/', agent: false, timeout: 2000 }, (res) => {
    res.resume();
    res.on('end', () => { res.statusCode === 200 ? ok++ : fail++; setTimeout(one, Math.max(0, 50 - (Date.now() - started))); });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => { fail++; setTimeout(one, 50); });
}
one();
`;

function rssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function waitConverged(local: Local, replicas: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await local.api.get<Deployment>(R.deployments, NS, 'web');
    const pods = (await local.api.list<Pod>(R.pods, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
    const s = d.status;
    if (s?.observedGeneration === d.metadata.generation && s?.updatedReplicas === replicas && s?.readyReplicas === replicas && s?.replicas === replicas && pods.length === replicas && pods.every(isPodReady)) return;
    if (Date.now() > deadline) throw new Error(`the Deployment did not converge to ${replicas} in ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const minutesArg = process.argv.indexOf('--minutes');
  const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 20;
  const local = loadLocal();
  const api = local.api;
  const daemons = new Daemons(local.plan.stateDir);
  const nodes = local.plan.nodes.map((n) => n.name);
  const started = Date.now();
  log(`soak for ${minutes} min on ${nodes.length} nodes`);
  await freshNamespace(api, NS);
  await api.create<Deployment>(R.deployments, hostnameServers('web', NS, 3, nodes, 2));
  const svc = await api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
  await waitConverged(local, 3);
  log('web: 3 ready pods behind the ClusterIP; traffic starts');

  // Traffic from node-1's network namespace for the whole soak.
  const client = spawn('nsenter', [`--net=/run/netns/${local.plan.nodes[0]!.netns}`, '--', process.execPath, '-e', CLIENT, `${svc.spec.clusterIP}:80`, String(minutes * 60 + 5)]);
  const seconds: { t: number; ok: number; fail: number }[] = [];
  let buf = '';
  client.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) seconds.push(JSON.parse(l) as { t: number; ok: number; fail: number });
  });
  const clientDone = new Promise<void>((r) => client.on('exit', () => r()));

  const watched = ['etcd', 'apiserver', 'scheduler', 'controller-manager', ...nodes.flatMap((n) => [`kubelet-${n}`, `proxy-${n}`])];
  const rss: { at: number; mib: Record<string, number | undefined>; pids: Record<string, number | undefined> }[] = [];
  const sample = (): void => {
    const pids = Object.fromEntries(watched.map((n) => [n, daemons.running(n)]));
    rss.push({ at: Date.now() - started, mib: Object.fromEntries(watched.map((n) => [n, rssMiB(pids[n])])), pids });
  };
  sample();
  const rssTimer = setInterval(sample, RSS_EVERY_MS);

  const actions: { name: string; at: number; until: number }[] = [];
  let replicas = 3;
  let step = 0;
  const end = started + minutes * 60_000;
  while (Date.now() + ACTION_EVERY_MS < end) {
    const t0 = Date.now();
    const kind = ['rollout', 'scale', 'delete-pod', 'kubelet-restart', 'service-churn'][step % 5]!;
    step++;
    if (kind === 'rollout') {
      await api.patch(R.deployments, NS, 'web', 'strategic', { spec: { template: { metadata: { annotations: { 'soak/step': String(step) } } } } });
      await waitConverged(local, replicas);
    } else if (kind === 'scale') {
      replicas = replicas === 3 ? 5 : 3;
      await api.patch(R.deployments, NS, 'web', 'merge', { spec: { replicas } });
      await waitConverged(local, replicas);
    } else if (kind === 'delete-pod') {
      const pods = (await api.list<Pod>(R.pods, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
      const victim = pods[step % pods.length]!;
      await api.delete(R.pods, NS, victim.metadata.name);
      await waitConverged(local, replicas);
    } else if (kind === 'kubelet-restart') {
      const name = `kubelet-${nodes[step % nodes.length]!}`;
      const old = daemons.running(name);
      if (old) process.kill(old, 'SIGKILL');
      for (const until = Date.now() + 10_000; Date.now() < until && (daemons.running(name) ?? old) === old; ) await new Promise((r) => setTimeout(r, 100));
      await waitConverged(local, replicas);
    } else {
      const name = `churn-${step}`;
      await api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 81, targetPort: 8080 }] } });
      await new Promise((r) => setTimeout(r, 3000));
      await api.delete(R.services, NS, name);
    }
    actions.push({ name: kind, at: t0 - started, until: Date.now() - started });
    log(`${kind} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const wait = t0 + ACTION_EVERY_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await clientDone;
  clearInterval(rssTimer);
  sample();

  // Failures, and the action whose window each failed second fell in.
  const failed = seconds.filter((s) => s.fail > 0).map((s) => {
    const at = s.t * 1000 - started;
    return { at, fail: s.fail, during: actions.find((a) => at >= a.at - 1000 && at <= a.until + 1000)?.name ?? 'none' };
  });
  const total = seconds.reduce((n, s) => n + s.ok + s.fail, 0);
  const failures = seconds.reduce((n, s) => n + s.fail, 0);

  // Leftovers: containers of pods that no longer exist, SVC chains of Services that no longer exist.
  await waitConverged(local, replicas);
  const liveUids = new Set((await api.list<Pod>(R.pods)).items.map((p) => p.metadata.uid));
  const services = (await api.list<Service>(R.services)).items;
  const wantedChains = new Set(services.flatMap((s) => (s.spec.ports ?? []).map((p) => serviceChain(`${s.metadata.namespace}/${s.metadata.name}:${p.name ?? ''}`, p.protocol ?? 'TCP'))));
  const orphans: string[] = [];
  const staleChains: string[] = [];
  for (const n of local.plan.nodes) {
    const docker = new Docker({ socketPath: n.dockerSocket });
    for (const c of await docker.listContainers({ all: true })) {
      const uid = c.Labels['io.kubernetes.pod.uid'];
      if (uid && !liveUids.has(uid)) orphans.push(`${n.name}/${c.Names[0]}`);
    }
    const nat = await local.onNode(n.name, 'iptables-save', ['-t', 'nat']);
    for (const m of nat.matchAll(/^:(KUBE-SVC-[A-Z0-9]+) /gm)) if (!wantedChains.has(m[1]!)) staleChains.push(`${n.name}/${m[1]}`);
  }

  // RSS: the mean of the last 5 minutes against minutes 5-10, for daemons whose pid held.
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const endAt = rss.at(-1)!.at;
  const memory = watched.map((name) => {
    const samePid = rss.filter((r) => r.pids[name] === rss.at(-1)!.pids[name]);
    const early = samePid.filter((r) => r.at >= 5 * 60_000 && r.at < 10 * 60_000).map((r) => r.mib[name]!).filter((v) => v !== undefined);
    const late = samePid.filter((r) => r.at >= endAt - 5 * 60_000).map((r) => r.mib[name]!).filter((v) => v !== undefined);
    const ratio = early.length && late.length ? mean(late) / mean(early) : undefined;
    const restartedWithinWindow = !early.length && rss.some((r) => r.at >= 5 * 60_000 && r.at < 10 * 60_000);
    return { name, first: rss[0]!.mib[name], last: rss.at(-1)!.mib[name], early: early.length ? mean(early) : undefined, late: late.length ? mean(late) : undefined, ratio, restartedWithinWindow };
  });
  await deleteNamespace(api, NS);

  const result = { date: new Date().toISOString(), minutes, requests: total, failures, failed, actions: actions.length, byAction: Object.fromEntries(['rollout', 'scale', 'delete-pod', 'kubelet-restart', 'service-churn'].map((k) => [k, actions.filter((a) => a.name === k).length])), orphans, staleChains, memory };
  const out = path.join(REPO_DIR, 'bench', 'results', `soak-${result.date.slice(0, 10)}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`requests ${total}, failed ${failures} ${JSON.stringify(failed)}`);
  log(`actions ${JSON.stringify(result.byAction)}`);
  log(`orphaned containers ${orphans.length} ${orphans.join(' ')}; stale SVC chains ${staleChains.length} ${staleChains.join(' ')}`);
  log('| daemon | RSS at start MiB | minutes 5-10 MiB | last 5 min MiB | ratio |');
  for (const m of memory) log(`| ${m.name} | ${m.first?.toFixed(0) ?? ''} | ${m.early?.toFixed(1) ?? (m.restartedWithinWindow ? '(restarted since)' : '')} | ${m.late?.toFixed(1) ?? ''} | ${m.ratio?.toFixed(3) ?? ''} |`);
  log(`wrote ${path.relative(REPO_DIR, out)}`);
  api.close();
  const flat = memory.every((m) => m.ratio === undefined || Math.abs(m.ratio - 1) <= 0.1);
  process.exit(failures === 0 && orphans.length === 0 && staleChains.length === 0 && flat ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
