// The kubelet end to end on real containers: shared network and volumes in a pod, back-off,
// probes, image errors, graceful deletion, restart safety and logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { getCondition, R, type Container, type Event, type Pod } from '@tinykube/api';
import { Daemons, up } from '@tinykube/hosts';
import { REPO_DIR, run, startCluster, testPlanOptions, waitFor, type LocalCluster } from '../helpers';

let cluster: LocalCluster;
const hostDir = fs.mkdtempSync('/tmp/tinykube-e2e-kubelet-');

before(async () => {
  cluster = await startCluster({ nodes: 2 });
});

after(async () => {
  await cluster?.down();
  fs.rmSync(hostDir, { recursive: true, force: true });
});

function pod(name: string, containers: Container[], spec: Partial<Pod['spec']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers, ...spec } };
}

function log(name: string, container?: string): Promise<string> {
  return cluster.log('default', name, container);
}

async function events(name: string): Promise<Event[]> {
  return (await cluster.api.list<Event>(R.events, 'default', { fieldSelector: `involvedObject.name=${name}` })).items;
}

function docker(node: string): Docker {
  return new Docker({ socketPath: cluster.plan.nodes.find((n) => n.name === node)!.dockerSocket });
}

const tkctl = path.join(REPO_DIR, 'packages/ctl/dist/src/main.js');

test('two containers share localhost and an emptyDir, and both have the pod name as hostname', async () => {
  await cluster.api.create(
    R.pods,
    pod(
      'duo',
      [
        { name: 'web', image: 'busybox:1.35', command: ['sh', '-c', 'echo shared-ok > /shared/index.html; hostname > /shared/web-host; exec httpd -f -p 8080 -h /shared'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        {
          name: 'client',
          image: 'busybox:1.35',
          command: ['sh', '-c', 'until wget -qO /tmp/got http://localhost:8080/; do sleep 0.2; done; cat /tmp/got; cat /data/web-host; hostname; exec sleep 3600'],
          volumeMounts: [{ name: 'shared', mountPath: '/data' }],
        },
      ],
      { volumes: [{ name: 'shared', emptyDir: {} }] },
    ),
  );
  await cluster.waitForPod('default', 'duo', (p) => getCondition(p.status?.conditions, 'Ready')?.status === 'True', 'ready');
  const out = await waitFor(async () => {
    const text = await log('duo', 'client');
    return text.split('\n').length >= 4 ? text : undefined;
  }, { what: 'client output', timeoutMs: 30_000 });
  assert.deepEqual(out.trim().split('\n'), ['shared-ok', 'duo', 'duo']);
});

test('a container that exits non-zero backs off with growing delays and shows CrashLoopBackOff', async () => {
  await cluster.api.create(R.pods, pod('crasher', [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'echo crashing; exit 3'] }]));
  // The delays themselves are the back-off's unit test; here, that the kubelet applies them as it says.
  const messages = new Set<string>();
  const p = await waitFor(
    async () => {
      const cur = await cluster.api.get<Pod>(R.pods, 'default', 'crasher');
      const s = cur.status?.containerStatuses?.[0];
      if (s?.state?.waiting?.reason === 'CrashLoopBackOff') messages.add(s.state.waiting.message ?? '');
      return s && s.restartCount >= 2 && [...messages].some((m) => m.startsWith('back-off 20s')) ? cur : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: 'two restarts and a back-off of 20 s' },
  );
  const s = p.status!.containerStatuses![0]!;
  assert.equal(s.lastState?.terminated?.exitCode, 3);
  assert.equal(s.lastState?.terminated?.reason, 'Error');
  assert.ok([...messages].some((m) => m === `back-off 10s restarting failed container=c pod=crasher_default(${p.metadata.uid})`), [...messages].join('; '));
  assert.ok((await events('crasher')).some((e) => e.reason === 'BackOff'));
});

test('a failing readiness probe keeps the pod not Ready; a failing liveness probe restarts it', async () => {
  await cluster.api.create(
    R.pods,
    pod('unready', [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '3600'], readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }]),
  );
  await cluster.api.create(
    R.pods,
    pod('unlive', [
      { name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 3600'], livenessProbe: { exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 } },
    ]),
  );
  await waitFor(async () => (await events('unready')).filter((e) => e.reason === 'Unhealthy').reduce((n, e) => n + (e.count ?? 1), 0) >= 3, { timeoutMs: 60_000, what: 'three failed readiness probes' });
  const unready = await cluster.api.get<Pod>(R.pods, 'default', 'unready');
  assert.equal(unready.status?.phase, 'Running');
  assert.equal(getCondition(unready.status?.conditions, 'Ready')?.status, 'False');
  assert.equal(unready.status?.containerStatuses?.[0]?.ready, false);
  const restarted = await cluster.waitForPod('default', 'unlive', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 'restarted by its liveness probe');
  assert.ok(restarted);
  assert.ok((await events('unlive')).some((e) => e.reason === 'Killing' && /liveness/.test(e.message ?? '')));
});

test('a missing image shows ErrImagePull, then ImagePullBackOff', async () => {
  await cluster.api.create(R.pods, pod('noimage', [{ name: 'c', image: 'no-such-image:1.0' }]));
  const reasons = new Set<string>();
  await waitFor(
    async () => {
      const p = await cluster.api.get<Pod>(R.pods, 'default', 'noimage');
      const r = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) reasons.add(r);
      return reasons.has('ErrImagePull') && reasons.has('ImagePullBackOff');
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'ErrImagePull and ImagePullBackOff' },
  );
  assert.equal((await cluster.api.get<Pod>(R.pods, 'default', 'noimage')).status?.phase, 'Pending');
});

test('deleting a pod runs preStop, then SIGTERM, and leaves no container behind', async () => {
  fs.chmodSync(hostDir, 0o777);
  await cluster.api.create(
    R.pods,
    pod(
      'graceful',
      [
        {
          name: 'c',
          image: 'busybox:1.35',
          command: ['sh', '-c', 'trap "echo term >> /host/marker; exit 0" TERM; while true; do sleep 0.2; done'],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /host/marker'] } } },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
      { nodeName: 'node-1', volumes: [{ name: 'host', hostPath: { path: hostDir } }], terminationGracePeriodSeconds: 20 },
    ),
  );
  const running = await cluster.waitForPod('default', 'graceful', (p) => p.status?.phase === 'Running', 'running');
  await cluster.api.delete(R.pods, 'default', 'graceful');
  await waitFor(async () => {
    try {
      await cluster.api.get(R.pods, 'default', 'graceful');
      return false;
    } catch (err) {
      return (err as { code?: number }).code === 404;
    }
  }, { timeoutMs: 30_000, what: 'the pod to be gone' });
  assert.deepEqual(fs.readFileSync(path.join(hostDir, 'marker'), 'utf8').trim().split('\n'), ['prestop', 'term']);
  const left = await docker('node-1').listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${running.metadata.uid}`] } });
  assert.deepEqual(left, []);
});

test('kill -9 of the kubelet: running containers keep running and status catches up after restart', async () => {
  const mk = (name: string): Pod => pod(name, [{ name: 'c', image: 'busybox:1.35', command: ['sleep', '3600'] }], { nodeName: 'node-2' });
  await cluster.api.create(R.pods, mk('steady'));
  await cluster.api.create(R.pods, mk('victim'));
  const steady = await cluster.waitForPod('default', 'steady', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined, 'running');
  const victim = await cluster.waitForPod('default', 'victim', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined, 'running');
  const daemons = new Daemons(cluster.plan.stateDir);
  assert.ok(daemons.running('kubelet-node-2'));
  // Its supervisor too, so it stays down until `up` (a supervised kill -9 is in hosts.test.ts).
  daemons.killHard('kubelet-node-2');
  await waitFor(() => daemons.running('kubelet-node-2') === undefined, { what: 'the kubelet to die' });
  // While it is down, one container dies.
  const victimId = victim.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
  await docker('node-2').getContainer(victimId).kill();
  // `up` again restarts what is missing and nothing else.
  await up({ ...testPlanOptions(2), repoDir: REPO_DIR });
  const caught = await cluster.waitForPod('default', 'victim', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) === 1 && !!p.status?.containerStatuses?.[0]?.state?.running, 'restarted after the kubelet came back');
  assert.equal(caught.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
  const after = await cluster.api.get<Pod>(R.pods, 'default', 'steady');
  assert.equal(after.status?.containerStatuses?.[0]?.containerID, steady.status?.containerStatuses?.[0]?.containerID);
  assert.equal(after.status?.containerStatuses?.[0]?.restartCount, 0);
  const id = steady.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
  assert.equal((await docker('node-2').getContainer(id).inspect()).State.Running, true);
});

test('tkctl logs shows a container\'s output and follows it', async () => {
  await cluster.api.create(R.pods, pod('talker', [{ name: 'c', image: 'busybox:1.35', command: ['sh', '-c', 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.3; done'] }]));
  await cluster.waitForPod('default', 'talker', (p) => p.status?.phase === 'Running', 'running');
  const once = await waitFor(async () => {
    const out = await run(process.execPath, [tkctl, 'logs', 'talker', '--kubeconfig', cluster.kubeconfig]);
    return out.includes('line-1') ? out : undefined;
  }, { what: 'two lines of output' });
  assert.match(once, /^line-0\n/);
  const last = Number(/line-(\d+)\n$/.exec(once)![1]);
  const child = spawn(process.execPath, [tkctl, 'logs', '-f', '--tail', '1', 'talker', '--kubeconfig', cluster.kubeconfig]);
  let followed = '';
  child.stdout.on('data', (d: Buffer) => (followed += d.toString()));
  try {
    await waitFor(() => followed.split('\n').filter(Boolean).length >= 4, { timeoutMs: 20_000, what: 'four followed lines' });
  } finally {
    child.kill();
  }
  const numbers = followed.split('\n').filter(Boolean).map((l) => Number(/^line-(\d+)$/.exec(l)?.[1]));
  // --tail 1 starts at the newest line, which is past what the first read saw; then it follows.
  assert.ok(numbers[0]! >= last, `followed from line ${numbers[0]}, first read ended at ${last}`);
  assert.deepEqual(numbers, numbers.map((_, i) => numbers[0]! + i));
});
