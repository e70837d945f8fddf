// The scheduler and controller-manager end to end on real containers: a DaemonSet across a
// joining node, a taint and a rollout with undo; kubectl drain under a PodDisruptionBudget; a
// ResourceQuota and a LimitRange; ReplicaSet
// self-healing and adoption, a ReplicationController, Jobs, a CronJob, Deployment rollouts within their bounds and undo, a redis
// StatefulSet with stable identity and data, garbage collection, a lost node, and a
// controller-manager killed mid-rollout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { controllerOf, getCondition, isPodReady, R, type CronJob, type Deployment, type Event as KubeEvent, type Job, type Node, type PersistentVolumeClaim, type Pod, type PodDisruptionBudget, type ReplicaSet, type ResourceQuota, type Service, type StatefulSet } from '@tinykube/api';
import { Daemons } from '@tinykube/hosts';
import * as path from 'node:path';
import { REPO_DIR, run, startCluster, waitFor, type LocalCluster } from '../helpers';

let cluster: LocalCluster;
const NS = 'default';

before(async () => {
  // Short node grace and toleration so a lost host is handled within the test.
  cluster = await startCluster({ nodes: 3, nodeMonitorGracePeriod: 8, podEvictionTimeout: 4 });
});

after(async () => {
  await cluster?.down();
});

/** Sleeps, and exits at once on SIGTERM (a bare `sleep` as PID 1 ignores it and waits out the grace period). */
const SLEEP = 'trap "exit 0" TERM; while true; do sleep 1; done';
const sleeper = { name: 'c', image: 'busybox:1.35', command: ['sh', '-c', SLEEP] };

async function pods(selector: string): Promise<Pod[]> {
  return (await cluster.api.list<Pod>(R.pods, NS, { labelSelector: selector })).items;
}

function readyCount(selector: string, n: number, what: string): Promise<Pod[]> {
  return cluster.readyPods(NS, selector, n, what);
}

/** Follows the pods of a selector through a watch: `seen` gets the whole set after every change, and the pod that changed. */
async function followPods(selector: string, seen: (live: Pod[], changed: Pod) => void): Promise<{ stop(): void }> {
  const live = new Map<string, Pod>();
  for (const p of await pods(selector)) live.set(p.metadata.name!, p);
  return cluster.api.watch(
    R.pods,
    NS,
    { labelSelector: selector },
    (type, obj) => {
      const p = obj as Pod;
      if (type === 'DELETED') live.delete(p.metadata.name!);
      else live.set(p.metadata.name!, p);
      seen([...live.values()], p);
    },
    () => undefined,
  );
}

function kubectl(...args: string[]): Promise<string> {
  return run('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args]);
}

test('a DaemonSet: one Ready pod per node, none on a tainted node until tolerated, one for a node that joins later; an image change rolls node by node and rollout undo returns', async () => {
  // First in the file, while node-3 runs nothing: its kubelet freezes and its Node goes, so
  // node-3 joins later, as a new node does, when the kubelet comes back and registers it.
  const daemons = new Daemons(cluster.plan.stateDir);
  const frozen = daemons.running('kubelet-node-3')!;
  process.kill(frozen, 'SIGSTOP');
  await cluster.api.delete(R.nodes, undefined, 'node-3');
  await kubectl('taint', 'nodes', 'node-2', 'dedicated=infra:NoSchedule');
  const agents = async (): Promise<Pod[]> => (await pods('app=node-agent')).filter((p) => !p.metadata.deletionTimestamp);
  const onNodes = async (want: string[], what: string): Promise<Pod[]> =>
    waitFor(
      async () => {
        const list = await agents();
        return list.length === want.length && list.every(isPodReady) && JSON.stringify(list.map((p) => p.spec.nodeName).sort()) === JSON.stringify(want) ? list : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what },
    );
  try {
    await kubectl('apply', '-f', path.join(REPO_DIR, 'examples/workloads/daemonset.yaml'));
    const first = await onNodes(['node-1'], 'one agent, on node-1 only (node-2 tainted, node-3 gone)');
    assert.ok(first[0]!.spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.tolerationSeconds === undefined));
    assert.deepEqual(first[0]!.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }]);
    await waitFor(async () => (await cluster.log(NS, first[0]!.metadata.name!)).includes('running on node-1'), { timeoutMs: 30_000, what: 'the agent names its node' });
    // node-3 joins: its kubelet, restarted by its supervisor, registers the Node again.
    process.kill(frozen, 'SIGKILL');
    await onNodes(['node-1', 'node-3'], 'an agent on node-3 once it joined');
    await kubectl('patch', 'ds', 'node-agent', '--type=merge', '-p', JSON.stringify({ spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] } } } }));
    await kubectl('rollout', 'status', 'ds/node-agent', '--timeout=120s');
    await onNodes(['node-1', 'node-2', 'node-3'], 'an agent on every node once the taint is tolerated');
    const table = await kubectl('get', 'ds', 'node-agent');
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
    assert.match(table, /^node-agent\s+3\s+3\s+3\s+3\s+3\s+<none>\s+/m);

    // An image change: never more than one node without a Ready agent (maxUnavailable 1).
    let minReady = 3;
    const nodesSeen = new Set<string>();
    const handle = await followPods('app=node-agent', (live, p) => {
      minReady = Math.min(minReady, live.filter((x) => !x.metadata.deletionTimestamp && isPodReady(x)).length);
      if (p.spec.containers[0]!.image === 'redis:7.0' && p.spec.nodeName) nodesSeen.add(p.spec.nodeName);
    });
    try {
      await kubectl('set', 'image', 'ds/node-agent', 'agent=redis:7.0');
      await kubectl('rollout', 'status', 'ds/node-agent', '--timeout=120s');
    } finally {
      handle.stop();
    }
    const rolled = await onNodes(['node-1', 'node-2', 'node-3'], 'the new image on every node');
    assert.ok(rolled.every((p) => p.spec.containers[0]!.image === 'redis:7.0'));
    assert.equal(minReady, 2, 'one node at a time');
    assert.equal(nodesSeen.size, 3);
    const history = await kubectl('rollout', 'history', 'ds/node-agent');
    assert.match(history, /^1\s/m);
    assert.match(history, /^3\s/m);
    await kubectl('rollout', 'undo', 'ds/node-agent');
    await kubectl('rollout', 'status', 'ds/node-agent', '--timeout=120s');
    const undone = await onNodes(['node-1', 'node-2', 'node-3'], 'busybox back on every node');
    assert.ok(undone.every((p) => p.spec.containers[0]!.image === 'busybox:1.35'), undone.map((p) => p.spec.containers[0]!.image).join(' '));
  } finally {
    await kubectl('taint', 'nodes', 'node-2', 'dedicated=infra:NoSchedule-').catch(() => undefined);
    // The DaemonSet stays for the drain test, whose --ignore-daemonsets it makes matter.
    if (daemons.running('kubelet-node-3') === frozen) process.kill(frozen, 'SIGKILL');
  }
});

test('kubectl drain node-2 --ignore-daemonsets under a budget of minAvailable 2 over 3 replicas evicts one pod at a time and never drops below 2 Ready', async () => {
  const unschedulable = async (node: string): Promise<boolean> => (await cluster.api.get<Node>(R.nodes, undefined, node)).spec?.unschedulable === true;
  try {
    // Every replica on node-2 first.
    await kubectl('cordon', 'node-1', 'node-3');
    await kubectl('apply', '-f', path.join(REPO_DIR, 'examples/workloads/pdb.yaml'));
    const start = await readyCount('app=web', 3, '3 Ready replicas');
    assert.deepEqual([...new Set(start.map((p) => p.spec.nodeName))], ['node-2']);
    await kubectl('uncordon', 'node-1', 'node-3');
    assert.equal(await unschedulable('node-1'), false);
    await waitFor(async () => ((await cluster.api.get<PodDisruptionBudget>(R.pdbs, NS, 'web')).status?.disruptionsAllowed === 1 ? true : undefined), { timeoutMs: 30_000, what: 'the budget to allow one disruption' });
    // kubectl get all: the kinds of the category, as Kubernetes lists them.
    const all = (await kubectl('get', 'all', '-o', 'name')).split('\n');
    for (const prefix of ['pod/web-', 'service/kubernetes', 'daemonset.apps/node-agent', 'deployment.apps/web', 'replicaset.apps/web-']) assert.ok(all.some((l) => l.startsWith(prefix)), `${prefix} in ${all.join(' ')}`);
    const table = await kubectl('get', 'pdb', 'web');
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m);
    assert.match(table, /^web\s+2\s+N\/A\s+1\s+/m);

    // The DaemonSet's pod on node-2 stops a drain that does not ignore it (kubectl's own check).
    const refused = await run('kubectl', ['--kubeconfig', cluster.kubeconfig, 'drain', 'node-2', '--timeout=20s']).then(
      () => '',
      (e: Error) => e.message,
    );
    assert.match(refused, /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\)/);

    let minReady = 3;
    let maxDeleting = 0;
    const handle = await followPods('app=web', (all) => {
      minReady = Math.min(minReady, all.filter((x) => !x.metadata.deletionTimestamp && isPodReady(x)).length);
      maxDeleting = Math.max(maxDeleting, all.filter((x) => x.metadata.deletionTimestamp).length);
    });
    let out: string;
    try {
      out = await new Promise<string>((resolve, reject) =>
        execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, 'drain', 'node-2', '--ignore-daemonsets', '--timeout=180s'], (err, stdout, stderr) => (err ? reject(new Error(`kubectl drain: ${stderr}`)) : resolve(stdout + stderr))),
      );
    } finally {
      handle.stop();
    }
    assert.match(out, /Warning: ignoring DaemonSet-managed Pods: default\/node-agent-/);
    assert.match(out, /Cannot evict pod as it would violate the pod's disruption budget\./, 'kubectl retried an eviction the budget refused');
    assert.match(out, /node\/node-2 drained/);
    assert.equal(minReady, 2, 'never below 2 Ready, and one pod evicted at a time');
    assert.equal(maxDeleting, 1);
    const after = await readyCount('app=web', 3, '3 Ready replicas elsewhere');
    assert.ok(after.every((p) => p.spec.nodeName !== 'node-2'), after.map((p) => p.spec.nodeName).join(' '));
    assert.equal((await pods('app=node-agent')).filter((p) => p.spec.nodeName === 'node-2').length, 1, 'the DaemonSet pod stays');
    assert.equal(await unschedulable('node-2'), true);
    await kubectl('uncordon', 'node-2');
    assert.equal(await unschedulable('node-2'), false);
  } finally {
    await kubectl('uncordon', 'node-1', 'node-2', 'node-3').catch(() => undefined);
    await kubectl('delete', '-f', path.join(REPO_DIR, 'examples/workloads/pdb.yaml'), '--wait=false').catch(() => undefined);
    await kubectl('delete', 'ds', 'node-agent', '--wait=false').catch(() => undefined);
  }
});

test('a quota of 2 pods refuses the third with Kubernetes\' message and takes a pod again once one is gone; a LimitRange gives pods that set none a memory request and limit, which the container runs with', async () => {
  const QNS = 'quota-demo';
  const quota = async (): Promise<ResourceQuota> => cluster.api.get<ResourceQuota>(R.resourcequotas, QNS, 'pod-quota');
  const applyPods = (): Promise<{ ok: boolean; stderr: string }> =>
    new Promise((resolve) => execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, 'apply', '-f', path.join(REPO_DIR, 'examples/policy/quota-pods.yaml')], (err, _stdout, stderr) => resolve({ ok: !err, stderr })));
  try {
    await kubectl('apply', '-f', path.join(REPO_DIR, 'examples/policy/quota.yaml'));
    // The quota controller publishes what it enforces before pods may be charged to it.
    await waitFor(async () => ((await quota()).status?.used?.pods === '0' ? true : undefined), { timeoutMs: 30_000, what: 'the quota status' });
    const refused = await applyPods();
    assert.equal(refused.ok, false);
    assert.match(refused.stderr, /pods "pod-c" is forbidden: exceeded quota: pod-quota, requested: pods=1, used: pods=2, limited: pods=2/);
    await assert.rejects(cluster.api.get(R.pods, QNS, 'pod-c'));
    const a = await cluster.api.get<Pod>(R.pods, QNS, 'pod-a');
    assert.deepEqual(a.spec.containers[0]!.resources, { limits: { memory: '256Mi' }, requests: { memory: '128Mi' } });
    assert.equal(a.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container app; memory limit for container app');
    assert.deepEqual((await quota()).status?.used, { pods: '2', 'requests.memory': '256Mi' });
    assert.match(await kubectl('get', 'quota', '-n', QNS), /^pod-quota\s+\S+\s+pods: 2\/2, requests.memory: 256Mi\/1Gi\s*$/m);
    assert.match(await kubectl('describe', 'quota', 'pod-quota', '-n', QNS), /^pods\s+2\s+2$/m);
    assert.match(await kubectl('describe', 'limitrange', 'mem-defaults', '-n', QNS), /^\s*Container\s+memory\s+-\s+512Mi\s+128Mi\s+256Mi\s+-$/m);
    // The limit is the container's: the cgroup Docker made for it says 256Mi.
    await waitFor(async () => ((await cluster.api.get<Pod>(R.pods, QNS, 'pod-a')).status?.phase === 'Running' ? true : undefined), { timeoutMs: 60_000, what: 'pod-a running' });
    const limit = await kubectl('exec', '-n', QNS, 'pod-a', '--', 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes');
    assert.equal(limit.trim(), String(256 * 2 ** 20));
    // A container over the LimitRange's max is refused in its words.
    const big = await run('kubectl', ['--kubeconfig', cluster.kubeconfig, 'run', 'big', '-n', QNS, '--image=busybox:1.35', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'big', image: 'busybox:1.35', resources: { limits: { memory: '1Gi' } } }] } })]).then(
      () => '',
      (e: Error) => e.message,
    );
    assert.match(big, /pods "big" is forbidden: maximum memory usage per Container is 512Mi, but limit is 1Gi/);
    // A deleted pod gives its share back (the quota controller recounts), and the third fits.
    await kubectl('delete', 'pod', '-n', QNS, 'pod-a', '--wait=true');
    await waitFor(async () => ((await quota()).status?.used?.pods === '1' ? true : undefined), { timeoutMs: 30_000, what: 'the quota to give back pod-a' });
    const again = await applyPods();
    assert.match(again.stderr, /pods "pod-c" is forbidden: exceeded quota: pod-quota/);
    await cluster.api.get(R.pods, QNS, 'pod-a');
    assert.equal((await quota()).status?.used?.pods, '2');
  } finally {
    await kubectl('delete', 'namespace', QNS, '--wait=false').catch(() => undefined);
  }
});

// A CronJob whose Job outlasts its minute, watched while the tests after it run: Forbid must
// start nothing while its Job runs, and successfulJobsHistoryLimit 1 keep one Job.
const slow = { maxActive: 0, completed: new Set<string>(), stop: (): void => undefined };

test('a Forbid CronJob whose Job outlasts the minute starts, watched from here on', async () => {
  const active = new Set<string>();
  const handle = cluster.api.watch(
    R.jobs,
    NS,
    {},
    (type, obj) => {
      const j = obj as Job;
      if (controllerOf(j)?.name !== 'slow') return;
      const name = j.metadata.name!;
      const done = ['Complete', 'Failed'].some((t) => getCondition(j.status?.conditions, t)?.status === 'True');
      if (done && getCondition(j.status?.conditions, 'Complete')?.status === 'True') slow.completed.add(name);
      if (type === 'DELETED' || done) active.delete(name);
      else active.add(name);
      slow.maxActive = Math.max(slow.maxActive, active.size);
    },
    () => undefined,
  );
  slow.stop = () => handle.stop();
  const cj: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'slow', namespace: NS },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'slow', image: 'busybox:1.35', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 75 & wait'] }] } } } },
    },
  };
  await cluster.api.create(R.cronjobs, cj);
});

test('a ReplicaSet replaces a deleted pod, restarts killed containers, adopts a matching pod and removes the extra one', async () => {
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs', namespace: NS },
    spec: { replicas: 3, selector: { matchLabels: { app: 'rs' } }, template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [sleeper] } } },
  };
  await cluster.api.create(R.replicasets, rs);
  const first = await readyCount('app=rs', 3, '3 ready pods');
  const victim = first[0]!;
  await cluster.api.delete(R.pods, NS, victim.metadata.name!);
  const healed = await readyCount('app=rs', 3, 'a replacement');
  assert.ok(!healed.some((p) => p.metadata.uid === victim.metadata.uid));
  // Kill a pod's container behind the kubelet's back: it is restarted in place.
  const target = healed[0]!;
  const node = cluster.plan.nodes.find((n) => n.name === target.spec.nodeName)!;
  const id = target.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
  await new Docker({ socketPath: node.dockerSocket }).getContainer(id).kill();
  await cluster.waitForPod(NS, target.metadata.name!, (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && isPodReady(p), 'restarted after its container was killed');
  // A pod made by hand with matching labels is adopted; the ReplicaSet then has one too many.
  await cluster.api.create(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels: { app: 'rs' } }, spec: { containers: [sleeper] } });
  const final = await waitFor(
    async () => {
      const list = (await pods('app=rs')).filter((p) => !p.metadata.deletionTimestamp);
      return list.length === 3 && list.every((p) => controllerOf(p)?.name === 'rs') ? list : undefined;
    },
    { timeoutMs: 60_000, what: 'adoption and the extra pod removed' },
  );
  assert.equal(final.length, 3);
  const status = await waitFor(async () => {
    const cur = await cluster.api.get<ReplicaSet>(R.replicasets, NS, 'rs');
    return cur.status?.readyReplicas === 3 && cur.status.replicas === 3 ? cur : undefined;
  }, { what: 'ReplicaSet status' });
  assert.equal(status.status?.observedGeneration, status.metadata.generation);
});

test('a ReplicationController from its manifest keeps 3 pods, heals a deleted one and scales with kubectl scale rc', async () => {
  await kubectl('apply', '-f', path.join(REPO_DIR, 'examples/workloads/replicationcontroller.yaml'));
  const first = await readyCount('app=web-rc', 3, '3 ready pods of the ReplicationController');
  assert.ok(first.every((p) => controllerOf(p)?.kind === 'ReplicationController'));
  const table = await kubectl('get', 'rc', 'web-rc');
  assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nweb-rc\s+3\s+3\s+3\s/);
  await kubectl('delete', 'pod', first[0]!.metadata.name!, '--wait=false');
  const healed = await readyCount('app=web-rc', 3, 'a replacement pod');
  assert.ok(!healed.some((p) => p.metadata.uid === first[0]!.metadata.uid));
  await kubectl('scale', 'rc', 'web-rc', '--replicas=1');
  await readyCount('app=web-rc', 1, 'one pod after kubectl scale');
  await kubectl('delete', 'rc', 'web-rc');
  await waitFor(async () => ((await pods('app=web-rc')).length === 0 ? true : undefined), { timeoutMs: 60_000, what: 'the pods to go with their ReplicationController' });
});

test('Jobs on real containers: 3 completions at most 2 at a time, each counted once across a controller-manager kill; a failing Job stops at its backoffLimit; Indexed pods see their index', async () => {
  await kubectl('apply', '-f', path.join(REPO_DIR, 'examples/workloads/job.yaml'), '-f', path.join(REPO_DIR, 'examples/workloads/indexed-job.yaml'));
  await cluster.api.create<Job>(R.jobs, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'fails', namespace: NS }, spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'exit 3'] }] } } } });
  const jobPods = async (name: string): Promise<Pod[]> => pods(`batch.kubernetes.io/job-name=${name}`);
  let most = 0;
  // The controller-manager dies once the first pod of count has finished.
  const daemons = new Daemons(cluster.plan.stateDir);
  await waitFor(async () => {
    const list = await jobPods('count');
    most = Math.max(most, list.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length);
    return list.some((p) => p.status?.phase === 'Succeeded') ? true : undefined;
  }, { timeoutMs: 120_000, intervalMs: 200, what: 'a finished pod of count' });
  const old = daemons.running('controller-manager')!;
  process.kill(old, 'SIGKILL');
  await waitFor(() => (daemons.running('controller-manager') ?? old) !== old, { timeoutMs: 5000, what: 'the supervisor to restart the controller-manager' });
  await waitFor(async () => {
    const list = await jobPods('count');
    most = Math.max(most, list.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length);
    const j = await cluster.api.get<Job>(R.jobs, NS, 'count');
    return getCondition(j.status?.conditions, 'Complete')?.status === 'True' ? j : undefined;
  }, { timeoutMs: 180_000, intervalMs: 200, what: 'count to complete' });
  await kubectl('wait', '--for=condition=complete', 'job/count', '--timeout=10s');
  const count = await cluster.api.get<Job>(R.jobs, NS, 'count');
  assert.equal(count.status!.succeeded, 3, 'three successes, none counted twice');
  assert.equal((await jobPods('count')).length, 3, 'three pods, none created twice');
  assert.ok(most <= 2, `at most 2 pods at a time (saw ${most})`);
  assert.ok((await jobPods('count')).every((p) => !p.metadata.finalizers?.length), 'every finished pod released');
  assert.match(await kubectl('get', 'job', 'count'), /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\ncount\s+Complete\s+3\/3\s/);

  const failed = await waitFor(async () => {
    const j = await cluster.api.get<Job>(R.jobs, NS, 'fails');
    return getCondition(j.status?.conditions, 'Failed')?.status === 'True' ? j : undefined;
  }, { timeoutMs: 120_000, what: 'fails to fail' });
  assert.equal(getCondition(failed.status!.conditions, 'Failed')!.reason, 'BackoffLimitExceeded');
  assert.equal(failed.status!.failed, 2, 'backoffLimit 1: two failed pods');

  await kubectl('wait', '--for=condition=complete', 'job/indexed', '--timeout=120s');
  const logs = await Promise.all((await jobPods('indexed')).map((p) => cluster.log(NS, p.metadata.name!)));
  assert.deepEqual(logs.map((l) => l.trim()).sort(), ['index=0 host=indexed-0', 'index=1 host=indexed-1', 'index=2 host=indexed-2']);
  assert.equal((await cluster.api.get<Job>(R.jobs, NS, 'indexed')).status!.completedIndexes, '0-2');
  await kubectl('delete', 'job', 'count', 'indexed', 'fails');
});

test('podFailurePolicy: exit code 42 fails the documentation Job at once; an evicted pod of a Job with backoffLimit 0 is replaced without counting as a failure', async () => {
  await kubectl('apply', '-f', path.join(REPO_DIR, 'examples/workloads/job-pod-failure-policy.yaml'));
  const failed = await waitFor(async () => {
    const j = await cluster.api.get<Job>(R.jobs, NS, 'job-pod-failure-policy-example');
    return getCondition(j.status?.conditions, 'Failed')?.status === 'True' ? j : undefined;
  }, { timeoutMs: 90_000, what: 'the Job failed by its policy' });
  const cond = getCondition(failed.status?.conditions, 'Failed')!;
  assert.equal(cond.reason, 'PodFailurePolicy');
  assert.match(cond.message ?? '', /^Container main for pod default\/job-pod-failure-policy-example-\S+ failed with exit code 42 matching FailJob rule at index 0$/);
  assert.ok((failed.status?.failed ?? 0) <= 3, `no retries up to backoffLimit (failed ${failed.status?.failed})`);
  await kubectl('delete', 'job', 'job-pod-failure-policy-example', '--wait=false');

  const evictable: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'evictable', namespace: NS },
    spec: {
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', SLEEP] }] } },
    } as Job['spec'],
  };
  await cluster.api.create(R.jobs, evictable);
  try {
    const [first] = await readyCount('batch.kubernetes.io/job-name=evictable', 1, 'the Job pod running');
    const res = await cluster.api.fetch(`${cluster.file.apiserver}/api/v1/namespaces/${NS}/pods/${first!.metadata.name}/eviction`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: first!.metadata.name, namespace: NS } }),
    });
    assert.equal(res.status, 201, await res.text());
    const [second] = await waitFor(async () => {
      const list = (await pods('batch.kubernetes.io/job-name=evictable')).filter((p) => p.metadata.name !== first!.metadata.name && !p.metadata.deletionTimestamp && isPodReady(p));
      return list.length ? list : undefined;
    }, { timeoutMs: 60_000, what: 'a replacement pod' });
    assert.ok(second);
    const j = await cluster.api.get<Job>(R.jobs, NS, 'evictable');
    assert.equal(j.status?.failed ?? 0, 0, 'the eviction is not a failure');
    assert.equal(getCondition(j.status?.conditions, 'Failed'), undefined);
  } finally {
    await kubectl('delete', 'job', 'evictable', '--wait=false').catch(() => undefined);
  }
});

test('a CronJob every minute runs a Job on its schedule, named after the minute, and records it', async () => {
  await kubectl('apply', '-f', path.join(REPO_DIR, 'examples/workloads/cronjob.yaml'));
  const job = await waitFor(async () => {
    const jobs = (await cluster.api.list<Job>(R.jobs, NS)).items.filter((j) => controllerOf(j)?.kind === 'CronJob' && controllerOf(j)?.name === 'hello');
    return jobs.find((j) => getCondition(j.status?.conditions, 'Complete')?.status === 'True');
  }, { timeoutMs: 150_000, intervalMs: 500, what: 'a completed Job of the CronJob' });
  const minute = Number(/^hello-(\d+)$/.exec(job.metadata.name!)?.[1]);
  assert.equal(new Date(minute * 60_000).getUTCSeconds(), 0);
  assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'));
  const cj = await cluster.api.get<CronJob>(R.cronjobs, NS, 'hello');
  assert.ok(cj.status?.lastScheduleTime && Date.parse(cj.status.lastScheduleTime) >= minute * 60_000);
  assert.match(await kubectl('get', 'cronjob', 'hello'), /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nhello\s+\* \* \* \* \*\s+<none>\s+False\s+[01]\s/);
  const logs = await Promise.all((await pods(`batch.kubernetes.io/job-name=${job.metadata.name}`)).map((p) => cluster.log(NS, p.metadata.name!)));
  assert.ok(logs.some((l) => l.includes('Hello from the Kubernetes cluster')));
  // A one-shot run from the CronJob's template, as kubectl makes it.
  await kubectl('create', 'job', 'hello-now', '--from=cronjob/hello');
  const manual = await waitFor(async () => {
    const j = await cluster.api.get<Job>(R.jobs, NS, 'hello-now');
    return getCondition(j.status?.conditions, 'Complete')?.status === 'True' ? j : undefined;
  }, { timeoutMs: 60_000, what: 'the manual Job complete' });
  assert.equal(manual.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
  assert.equal(controllerOf(manual)?.uid, cj.metadata.uid);
  assert.equal(manual.spec.template.spec.containers[0]!.command?.join(' '), 'sh -c date; echo Hello from the Kubernetes cluster');
  await kubectl('delete', 'cronjob', 'hello');
  await waitFor(async () => ((await cluster.api.list<Job>(R.jobs, NS)).items.some((j) => controllerOf(j)?.name === 'hello') ? undefined : true), { timeoutMs: 60_000, what: 'its Jobs to go with the CronJob' });
});

test('deleting a ReplicaSet with Orphan keeps its pods; Background deletion of a Deployment removes its ReplicaSets and pods', async () => {
  const before = (await pods('app=rs')).filter((p) => !p.metadata.deletionTimestamp);
  await cluster.api.delete(R.replicasets, NS, 'rs', { propagationPolicy: 'Orphan' });
  await waitFor(async () => (await cluster.api.get(R.replicasets, NS, 'rs').then(() => false, () => true)), { what: 'the ReplicaSet gone' });
  const orphans = await waitFor(async () => {
    const list = (await pods('app=rs')).filter((p) => !p.metadata.deletionTimestamp);
    return list.length === before.length && list.every((p) => !p.metadata.ownerReferences?.length) ? list : undefined;
  }, { what: 'pods orphaned' });
  assert.equal(orphans.length, 3);
  for (const p of orphans) await cluster.api.delete(R.pods, NS, p.metadata.name!, { gracePeriodSeconds: 0 });

  await kubectl('create', 'deployment', 'gc', '--image=busybox:1.35', '--replicas=2', '--', 'sh', '-c', SLEEP);
  await readyCount('app=gc', 2, 'gc deployment ready');
  await kubectl('delete', 'deployment', 'gc');
  await waitFor(async () => {
    const sets = (await cluster.api.list<ReplicaSet>(R.replicasets, NS, { labelSelector: 'app=gc' })).items;
    return sets.length === 0 && (await pods('app=gc')).length === 0;
  }, { timeoutMs: 60_000, what: 'ReplicaSets and pods collected' });
});

test('a rolling update keeps within maxSurge and maxUnavailable; undo brings the old template back', async () => {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'roll', namespace: NS },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'roll' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: 'roll' } }, spec: { containers: [{ ...sleeper, env: [{ name: 'VERSION', value: 'one' }] }] } },
    },
  };
  await cluster.api.create(R.deployments, d);
  await readyCount('app=roll', 3, 'first revision ready');
  await kubectl('rollout', 'status', 'deployment/roll', '--timeout=120s');
  // Watch every pod change during the rollout and check the bounds at each one.
  const violations: string[] = [];
  let maxTotal = 0;
  let minReady = 3;
  const handle = await followPods('app=roll', (live) => {
    const active = live.filter((x) => !x.metadata.deletionTimestamp);
    const ready = active.filter(isPodReady).length;
    maxTotal = Math.max(maxTotal, active.length);
    minReady = Math.min(minReady, ready);
    if (active.length > 4) violations.push(`${active.length} pods exist`);
    if (ready < 2) violations.push(`only ${ready} ready`);
  });
  try {
    await kubectl('set', 'env', 'deployment/roll', 'VERSION=two');
    await kubectl('rollout', 'status', 'deployment/roll', '--timeout=120s');
  } finally {
    handle.stop();
  }
  assert.deepEqual(violations, []);
  assert.ok(maxTotal >= 3 && minReady >= 2, `max ${maxTotal} pods, min ${minReady} ready`);
  const rolled = await readyCount('app=roll', 3, 'second revision ready');
  assert.ok(rolled.every((p) => p.spec.containers[0]!.env?.[0]?.value === 'two'));
  const history = await kubectl('rollout', 'history', 'deployment/roll');
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  await kubectl('rollout', 'undo', 'deployment/roll');
  await kubectl('rollout', 'status', 'deployment/roll', '--timeout=120s');
  const undone = await readyCount('app=roll', 3, 'undone revision ready');
  assert.ok(undone.every((p) => p.spec.containers[0]!.env?.[0]?.value === 'one'));
  const sets = (await cluster.api.list<ReplicaSet>(R.replicasets, NS, { labelSelector: 'app=roll' })).items;
  assert.equal(sets.length, 2, 'undo reuses the first ReplicaSet');
  const dep = await cluster.api.get<Deployment>(R.deployments, NS, 'roll');
  assert.equal(dep.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(getCondition(dep.status?.conditions, 'Available')?.status, 'True');
});

test('a redis StatefulSet starts in order, keeps its data and hostname across pod deletion, scales down from the top and keeps its claims', async () => {
  await cluster.api.create<Service>(R.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis', namespace: NS }, spec: { clusterIP: 'None', selector: { app: 'redis' }, ports: [{ port: 6379 }] } });
  const added: string[] = [];
  const readyAtAdd: Record<string, boolean> = {};
  const state = new Map<string, Pod>();
  const deleted: string[] = [];
  const handle = cluster.api.watch(R.pods, NS, { labelSelector: 'app=redis' }, (type, obj) => {
    const p = obj as Pod;
    if (type === 'ADDED') {
      added.push(p.metadata.name!);
      const prev = `redis-${Number(p.metadata.name!.split('-')[1]) - 1}`;
      readyAtAdd[p.metadata.name!] = !state.has(prev) || isPodReady(state.get(prev)!);
    }
    if (type === 'DELETED') {
      deleted.push(p.metadata.name!);
      state.delete(p.metadata.name!);
    } else state.set(p.metadata.name!, p);
  }, () => undefined);
  try {
    const set: StatefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'redis', namespace: NS },
      spec: {
        serviceName: 'redis',
        replicas: 3,
        selector: { matchLabels: { app: 'redis' } },
        template: { metadata: { labels: { app: 'redis' } }, spec: { containers: [{ name: 'redis', image: 'redis:7.0', ports: [{ containerPort: 6379 }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    await cluster.api.create(R.statefulsets, set);
    await readyCount('app=redis', 3, '3 redis pods ready');
    assert.deepEqual(added, ['redis-0', 'redis-1', 'redis-2']);
    assert.deepEqual(readyAtAdd, { 'redis-0': true, 'redis-1': true, 'redis-2': true }, 'each pod created only after the one before was Ready');

    const redis0 = await cluster.api.get<Pod>(R.pods, NS, 'redis-0');
    assert.equal(redis0.spec.hostname, 'redis-0');
    assert.equal(redis0.spec.subdomain, 'redis');
    await redisCli('writer', redis0.status!.podIP!, ['set', 'greeting', 'hello']);
    await cluster.api.delete(R.pods, NS, 'redis-0');
    const again = await cluster.waitForPod(NS, 'redis-0', (p) => p.metadata.uid !== redis0.metadata.uid && isPodReady(p), 'recreated', 120_000);
    assert.equal(again.spec.nodeName, redis0.spec.nodeName, 'the claim brings it back to its node');
    assert.equal((await redisCli('reader', again.status!.podIP!, ['get', 'greeting'])).trim(), 'hello');
    const node = cluster.plan.nodes.find((n) => n.name === again.spec.nodeName)!;
    const sandbox = (await new Docker({ socketPath: node.dockerSocket }).listContainers({ filters: { label: [`io.kubernetes.pod.uid=${again.metadata.uid}`, 'io.kubernetes.container.name=POD'] } }))[0]!;
    assert.equal((await new Docker({ socketPath: node.dockerSocket }).getContainer(sandbox.Id).inspect()).Config.Hostname, 'redis-0');

    deleted.length = 0;
    await cluster.api.patch(R.statefulsets, NS, 'redis', 'merge', { spec: { replicas: 1 } });
    // The watch sees the deletions (in the order they happened) once both are gone.
    await waitFor(() => deleted.includes('redis-1') && deleted.includes('redis-2'), { timeoutMs: 120_000, what: 'scaled to 1' });
    assert.deepEqual(deleted.filter((n) => n !== 'redis-0'), ['redis-2', 'redis-1']);
    const claims = (await cluster.api.list<PersistentVolumeClaim>(R.pvcs, NS)).items.map((c) => c.metadata.name).sort();
    assert.deepEqual(claims, ['data-redis-0', 'data-redis-1', 'data-redis-2']);
  } finally {
    handle.stop();
  }
});

async function redisCli(name: string, ip: string, args: string[]): Promise<string> {
  await cluster.api.create<Pod>(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { restartPolicy: 'Never', containers: [{ name: 'cli', image: 'redis:7.0', command: ['redis-cli', '-h', ip, ...args] }] } });
  const done = await cluster.waitForPod(NS, name, (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 'finished');
  assert.equal(done.status?.phase, 'Succeeded');
  return cluster.log(NS, name);
}

test('the Forbid CronJob never ran two Jobs at once, started nothing while one ran (JobAlreadyActive), and kept one finished Job', async () => {
  try {
    await waitFor(() => (slow.completed.size >= 2 ? true : undefined), { timeoutMs: 360_000, intervalMs: 1000, what: 'two Jobs of the slow CronJob complete' });
    assert.equal(slow.maxActive, 1, 'Forbid: one Job at a time');
    // The minute that came while a Job ran started nothing then (as in Kubernetes, the run
    // starts late, once the Job before it is done, unless startingDeadlineSeconds has passed).
    const events = (await cluster.api.list<KubeEvent>(R.events, NS)).items.filter((e) => e.involvedObject?.kind === 'CronJob' && e.involvedObject.name === 'slow');
    assert.ok(events.some((e) => e.reason === 'JobAlreadyActive' && e.message === 'Not starting job because prior execution is running and concurrency policy is Forbid'), events.map((e) => e.reason).join(' '));
    // History: only the newest finished Job is kept.
    await waitFor(async () => {
      const finished = (await cluster.api.list<Job>(R.jobs, NS)).items.filter((j) => controllerOf(j)?.name === 'slow' && getCondition(j.status?.conditions, 'Complete')?.status === 'True');
      return finished.length === 1 ? true : undefined;
    }, { timeoutMs: 60_000, what: 'one finished Job kept' });
  } finally {
    slow.stop();
    await kubectl('delete', 'cronjob', 'slow', '--wait=false').catch(() => undefined);
  }
});

test('kill -9 of etcd, the apiserver, the scheduler, the controller-manager and a kubelet mid-rollout: it completes with no extra pod or ReplicaSet', async () => {
  await kubectl('create', 'deployment', 'phoenix', '--image=busybox:1.35', '--replicas=4', '--', 'sh', '-c', SLEEP);
  await readyCount('app=phoenix', 4, 'phoenix ready');
  // minReadySeconds keeps the rollout going while the daemons die one after another.
  await cluster.api.patch(R.deployments, NS, 'phoenix', 'merge', { spec: { minReadySeconds: 4 } });
  await kubectl('set', 'env', 'deployment/phoenix', 'STEP=2');
  const daemons = new Daemons(cluster.plan.stateDir);
  await waitFor(async () => (await cluster.api.list<ReplicaSet>(R.replicasets, NS, { labelSelector: 'app=phoenix' })).items.length === 2, { what: 'the new ReplicaSet' });
  const victims = ['etcd', 'apiserver', 'scheduler', 'controller-manager', `kubelet-${cluster.plan.nodes[0]!.name}`];
  for (const name of victims) {
    const old = daemons.running(name)!;
    process.kill(old, 'SIGKILL');
    await waitFor(() => (daemons.running(name) ?? old) !== old, { timeoutMs: 5000, what: `the supervisor to restart ${name}` });
    // The next one dies once the API answers again (every kill still lands mid-rollout).
    await waitFor(async () => (await cluster.api.fetch(`${cluster.file.apiserver}/readyz`, { signal: AbortSignal.timeout(2000) })).ok, { timeoutMs: 30_000, what: `the apiserver ready after ${name} was killed` });
  }
  await kubectl('rollout', 'status', 'deployment/phoenix', '--timeout=180s');
  const sets = (await cluster.api.list<ReplicaSet>(R.replicasets, NS, { labelSelector: 'app=phoenix' })).items;
  assert.equal(sets.length, 2, 'no duplicate ReplicaSet');
  const final = await readyCount('app=phoenix', 4, 'phoenix rolled');
  assert.ok(final.every((p) => p.spec.containers[0]!.env?.some((e) => e.name === 'STEP' && e.value === '2')));
  // Once the old pods are gone, exactly the four new ones remain: nothing was created twice.
  await waitFor(async () => (await pods('app=phoenix')).length === 4, { timeoutMs: 60_000, what: 'the old pods gone' });
  assert.deepEqual((await pods('app=phoenix')).map((p) => p.metadata.name).sort(), final.map((p) => p.metadata.name).sort());
});

test('a lost host goes NotReady; its Deployment pods move, its StatefulSet pod is not duplicated', async () => {
  const redis = await cluster.api.get<Pod>(R.pods, NS, 'redis-0');
  const lost = redis.spec.nodeName!;
  const onLost = (await pods('app=phoenix')).filter((p) => p.spec.nodeName === lost).length;
  const plan = cluster.plan.nodes.find((n) => n.name === lost)!;
  const daemons = new Daemons(cluster.plan.stateDir);
  // The host dies: its daemons and their supervisors at once, and its link.
  daemons.killHard(`kubelet-${lost}`);
  daemons.killHard(`proxy-${lost}`);
  await run('ip', ['link', 'set', plan.veth, 'down']);
  await waitFor(async () => {
    const n = await cluster.api.get<import('@tinykube/api').Node>(R.nodes, undefined, lost);
    return getCondition(n.status?.conditions, 'Ready')?.status === 'Unknown' && n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable');
  }, { timeoutMs: 60_000, what: `${lost} unreachable` });
  // Eviction: after the 4 s toleration, the lost host's pods are marked for deletion; their
  // kubelet cannot confirm, so they stay Terminating.
  await waitFor(async () => !!(await cluster.api.get<Pod>(R.pods, NS, 'redis-0')).metadata.deletionTimestamp, { timeoutMs: 60_000, what: 'redis-0 evicted' });
  const moved = await readyCount('app=phoenix', 4, 'phoenix pods running elsewhere');
  assert.ok(moved.every((p) => p.spec.nodeName !== lost));
  if (onLost > 0) assert.ok((await pods('app=phoenix')).some((p) => p.spec.nodeName === lost && p.metadata.deletionTimestamp), 'evicted pods wait for their kubelet');
  // The Deployment's replacements prove the controllers ran after the eviction; the
  // StatefulSet made no second redis-0 meanwhile.
  const redisNow = await pods('app=redis');
  assert.equal(redisNow.length, 1, redisNow.map((p) => `${p.metadata.name} ${p.metadata.uid} ${p.spec.nodeName} ${p.metadata.deletionTimestamp ?? ''}`).join('; '));
  assert.equal(redisNow[0]!.metadata.uid, redis.metadata.uid, 'the StatefulSet pod is not replaced while its node is unreachable');
});
