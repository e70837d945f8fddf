// A real local cluster for an end-to-end test file: `up` with its own prefix, ranges and etcd
// port (so it never meets a cluster a developer runs with `npm run up`), torn down by
// `down()` — call it from `after()`, which node:test runs even when tests fail.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPodReady, R, type Event, type Pod } from '@tinykube/api';
import { RestClient } from '@tinykube/client';
import { adminIdentity, down, makePlan, up, type ClusterFile, type ClusterPlan, type PlanOptions } from '@tinykube/hosts';
import { waitFor } from './wait';

export const REPO_DIR = path.resolve(__dirname, '../../..');

export interface LocalCluster {
  file: ClusterFile;
  plan: ClusterPlan;
  api: RestClient;
  kubeconfig: string;
  /** Runs a command in a node host's network namespace (argument array, no shell). */
  onNode(node: string, cmd: string, args: string[]): Promise<string>;
  waitForPod(namespace: string, name: string, check: (p: Pod) => boolean, what: string, timeoutMs?: number): Promise<Pod>;
  /** Waits until exactly `n` pods of the selector, none of them being deleted, are all Ready. */
  readyPods(namespace: string, selector: string, n: number, what: string, timeoutMs?: number): Promise<Pod[]>;
  /** A container's log through the apiserver; '' while it has none to give. */
  log(namespace: string, name: string, container?: string): Promise<string>;
  down(): Promise<void>;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

export function testPlanOptions(nodes: number): PlanOptions {
  return {
    nodes,
    hostCidr: '10.241.0.0/24',
    clusterCidr: '10.245.0.0/16',
    serviceCidr: '10.97.0.0/16',
    stateDir: path.join(REPO_DIR, '.tinykube', 'e2e'),
    cacheDir: path.join(REPO_DIR, '.tinykube', 'cache'),
    prefix: 'tke',
    etcdPort: 2479,
  };
}

/**
 * The daemons' logs outlive the cluster, for reading after a failure: `down` removes the state
 * directory, and `npm run down` everything in .tinykube but the cache, so they go there.
 */
function keepLogs(stateDir: string): void {
  const logs = path.join(stateDir, 'logs');
  const kept = path.join(REPO_DIR, '.tinykube', 'cache', 'e2e-logs', `${path.basename(process.argv[1] ?? 'e2e', '.js')}-${Date.now()}`);
  if (fs.existsSync(logs)) fs.cpSync(logs, kept, { recursive: true });
}

export async function startCluster(o: { nodes?: number; nodeMonitorGracePeriod?: number; podEvictionTimeout?: number; certificateLifetime?: string; dns?: boolean } = {}): Promise<LocalCluster> {
  const opts = testPlanOptions(o.nodes ?? 3);
  const plan = makePlan(opts);
  // A cluster left by an interrupted run goes first.
  await down(opts);
  let file: ClusterFile;
  try {
    file = await up({
      ...opts,
      repoDir: REPO_DIR,
      ...(o.nodeMonitorGracePeriod ? { nodeMonitorGracePeriod: o.nodeMonitorGracePeriod } : {}),
      ...(o.podEvictionTimeout ? { podEvictionTimeout: o.podEvictionTimeout } : {}),
      ...(o.certificateLifetime ? { certificateLifetime: o.certificateLifetime } : {}),
      ...(o.dns ? { dns: true } : {}),
    });
  } catch (err) {
    keepLogs(opts.stateDir);
    await down(opts).catch(() => undefined);
    throw err;
  }
  const api = new RestClient(file.apiserver, { tls: adminIdentity(path.join(opts.stateDir, 'pki')) });
  const netnsOf = (node: string): string => plan.nodes.find((n) => n.name === node)!.netns;
  return {
    file,
    plan,
    api,
    kubeconfig: path.join(opts.stateDir, 'kubeconfig'),
    onNode: (node, cmd, args) => run('nsenter', [`--net=/run/netns/${netnsOf(node)}`, '--', cmd, ...args]),
    waitForPod: (namespace, name, check, what, timeoutMs = 90_000) =>
      waitFor(
        async () => {
          const p = await api.get<Pod>(R.pods, namespace, name);
          return check(p) ? p : undefined;
        },
        { timeoutMs, intervalMs: 250, what: `pod ${namespace}/${name} ${what}` },
      ),
    readyPods: (namespace, selector, n, what, timeoutMs = 120_000) =>
      waitFor(
        async () => {
          const list = (await api.list<Pod>(R.pods, namespace, { labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
          return list.length === n && list.every(isPodReady) ? list : undefined;
        },
        { timeoutMs, intervalMs: 250, what },
      ),
    log: async (namespace, name, container) => {
      const res = await api.fetch(`${file.apiserver}/api/v1/namespaces/${namespace}/pods/${name}/log${container ? `?container=${container}` : ''}`);
      const text = await res.text();
      return res.ok ? text : '';
    },
    down: async () => {
      // The cluster's Events (scheduling, pod starts and kills, controller actions) join the kept logs.
      const events = await api.list<Event>(R.events).catch(() => undefined);
      const lines = (events?.items ?? [])
        .map((e) => `${e.lastTimestamp ?? e.eventTime ?? ''} ${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject.kind ?? ''}/${e.involvedObject.namespace ?? ''}/${e.involvedObject.name ?? ''} x${e.count ?? 1}: ${e.message ?? ''}`)
        .sort();
      fs.mkdirSync(path.join(opts.stateDir, 'logs'), { recursive: true });
      fs.writeFileSync(path.join(opts.stateDir, 'logs', 'events.txt'), lines.join('\n') + '\n');
      api.close();
      // tinykube's own daemons write only declared fields; the apiserver logs any it drops from them.
      const log = path.join(opts.stateDir, 'logs', 'apiserver.log');
      const dropped = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('dropped unknown fields')) : [];
      keepLogs(opts.stateDir);
      await down(opts);
      if (dropped.length) throw new Error(`the apiserver dropped unknown fields from tinykube's own writes:\n${dropped.slice(0, 5).join('\n')}`);
    },
  };
}
